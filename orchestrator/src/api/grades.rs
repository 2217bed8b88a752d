//! `GET /api/sessions/{id}/grades` (a session's leaderboard, graded by `orchestrator grade`),
//! `GET /api/grades/{id}` (one run's criteria), `POST /api/grades/{id}/override` (teacher: a
//! criterion's points or the total, with a reason; the computed value is kept).

use actix_web::{HttpResponse, get, post, web};

use super::{ApiError, AppState, Teacher};
use crate::contract::{GradeOverride, LeaderboardRow, SetOverride};
use crate::domain::{SessionId, now_ms};
use crate::grading::Criterion;
use crate::grading::session::ranked;

#[get("/sessions/{id}/grades")]
pub(super) async fn leaderboard(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let grades = state
        .store
        .session_grades(SessionId(id.into_inner()), None)
        .await?;
    let rows: Vec<LeaderboardRow> = ranked(grades)
        .into_iter()
        .enumerate()
        .map(|(i, grade)| LeaderboardRow {
            rank: i + 1,
            effective_total: grade.effective_total(),
            grade,
        })
        .collect();
    Ok(HttpResponse::Ok().json(rows))
}

#[get("/grades/{id}")]
pub(super) async fn one(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    match state.store.get_grade(id).await? {
        Some(grade) => Ok(HttpResponse::Ok().json(grade)),
        None => Err(ApiError::NotFound(format!("no grade {id}"))),
    }
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
    match state.store.get_grade(id).await? {
        Some(grade) => Ok(HttpResponse::Ok().json(grade)),
        None => Err(ApiError::NotFound(format!("no grade {id}"))),
    }
}
