//! `GET /api/sessions/{id}/grades` (a session's leaderboard), `POST /api/sessions/{id}/grade`
//! (teacher: grade the session now with the default rubric), `GET /api/grades/{id}` (one run's
//! criteria), `GET /api/grades/{id}/trace` (its telemetry, for the run page),
//! `POST /api/grades/{id}/override` (teacher: a criterion's points or the total, with a reason;
//! the computed value is kept).

use actix_web::{HttpResponse, get, post, web};

use super::{ApiError, AppState, Teacher};
use crate::contract::{GradeOverride, GradedSession, SetOverride, StoredGrade};
use crate::domain::{SessionId, now_ms};
use crate::gradebook::{leaderboard as board, run_trace};
use crate::grading::session::{SessionGradeError, grade_session};
use crate::grading::{Course, Criterion, Rubric};

#[get("/sessions/{id}/grades")]
pub(super) async fn leaderboard(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let rows = board(&state.store, SessionId(id.into_inner()), None).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Grades the session's finished runs (missions and marked runs) with the shipped line-follow
/// rubric on the oval, as `orchestrator grade SESSION` does, and answers that rubric's
/// leaderboard. Grading again keeps the overrides (same rubric, same rows).
#[post("/sessions/{id}/grade")]
pub(super) async fn grade_now(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let session = SessionId(id.into_inner());
    let rubric = Rubric::line_follow();
    // Grading a class hour is seconds of CPU: done on a blocking thread, so this worker keeps
    // serving the live pages meanwhile. Its queries still go through this worker's runtime
    // (its drivers run while the worker waits here).
    let runtime = tokio::runtime::Handle::current();
    let (store, graded_with) = (state.store.clone(), rubric.clone());
    let graded = actix_web::rt::task::spawn_blocking(move || {
        runtime.block_on(grade_session(
            &store,
            session,
            &Course::oval(),
            &graded_with,
            now_ms(),
        ))
    })
    .await
    .map_err(|e| ApiError::internal_from("grading stopped", e))?
    .map_err(|e| match e {
        SessionGradeError::NoSession(_) => ApiError::NotFound(e.to_string()),
        SessionGradeError::Store(e) => e.into(),
        other => ApiError::internal_from("the session could not be graded", other),
    })?;
    let rows = board(&state.store, session, Some(&rubric.hash)).await?;
    Ok(HttpResponse::Ok().json(GradedSession {
        graded: graded.len(),
        rubric_name: rubric.name.clone(),
        rubric_version: rubric.version,
        rubric_hash: rubric.hash.clone(),
        leaderboard: rows,
    }))
}

async fn stored(state: &AppState, id: i64) -> Result<StoredGrade, ApiError> {
    state
        .store
        .get_grade(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no grade {id}")))
}

#[get("/grades/{id}")]
pub(super) async fn one(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stored(&state, id.into_inner()).await?))
}

/// The run's samples, decimated for a long run (see `gradebook::trace`).
#[get("/grades/{id}/trace")]
pub(super) async fn trace(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let grade = stored(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(run_trace(&state.store, &grade).await?))
}

#[post("/grades/{id}/override")]
pub(super) async fn set_override(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<SetOverride>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let known = body.target == "total" || Criterion::ALL.iter().any(|c| c.name() == body.target);
    if !known {
        return Err(ApiError::BadRequest(format!(
            "unknown override target {:?}: a criterion's name or total",
            body.target
        )));
    }
    if body.reason.trim().is_empty() || !body.value.is_finite() {
        return Err(ApiError::BadRequest(
            "an override needs a finite value and a reason".into(),
        ));
    }
    let over = GradeOverride {
        target: body.target,
        value: body.value,
        reason: body.reason,
        at_ms: now_ms(),
    };
    if !state.store.set_grade_override(id, &over).await? {
        return Err(ApiError::NotFound(format!("no grade {id}")));
    }
    Ok(HttpResponse::Ok().json(stored(&state, id).await?))
}
