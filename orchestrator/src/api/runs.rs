//! Runs the teacher marks by hand (issue 11): `POST /api/runs` starts one on a robot,
//! `POST /api/runs/end` ends it (both teacher-only), `GET /api/runs` lists the runs open now,
//! `GET /api/sessions/{id}/runs` a session's marked runs. Start and end are stamped with the
//! orchestrator's clock when the request arrives, the clock every record is stamped with.

use actix_web::{HttpResponse, get, post, web};

use super::robots::{robot_id, seen};
use super::{ApiError, AppState, Teacher};
use crate::contract::{EndRun, StartRun};
use crate::domain::{SessionId, now_ms};
use crate::store::MarkedRunError;

/// Longest accepted run label, in characters (the schema's limit).
const MAX_LABEL_CHARS: usize = 200;

fn run_error(e: MarkedRunError) -> ApiError {
    match e {
        MarkedRunError::NoSession
        | MarkedRunError::AlreadyStarted { .. }
        | MarkedRunError::NotStarted(_) => ApiError::Conflict(e.to_string()),
        MarkedRunError::Store(e) => e.into(),
    }
}

#[post("/runs")]
pub(super) async fn start(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<StartRun>,
) -> Result<HttpResponse, ApiError> {
    let StartRun { robot, label } = body.into_inner();
    let robot = seen(&state, robot_id(&robot)?).await?.id;
    let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    if label
        .as_ref()
        .is_some_and(|l| l.chars().count() > MAX_LABEL_CHARS)
    {
        return Err(ApiError::BadRequest(format!(
            "a run label has at most {MAX_LABEL_CHARS} characters"
        )));
    }
    let run = state
        .store
        .start_marked_run(&robot, label.as_deref(), now_ms())
        .await
        .map_err(run_error)?;
    Ok(HttpResponse::Created().json(run))
}

#[post("/runs/end")]
pub(super) async fn end(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<EndRun>,
) -> Result<HttpResponse, ApiError> {
    let robot = seen(&state, robot_id(&body.robot)?).await?.id;
    let run = state
        .store
        .end_marked_run(&robot, now_ms())
        .await
        .map_err(run_error)?;
    Ok(HttpResponse::Ok().json(run))
}

#[get("/runs")]
pub(super) async fn open(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.store.open_marked_runs().await?))
}

#[get("/sessions/{id}/runs")]
pub(super) async fn of_session(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let session = SessionId(id.into_inner());
    if state.store.get_session(session).await?.is_none() {
        return Err(ApiError::NotFound(format!("no session {session}")));
    }
    Ok(HttpResponse::Ok().json(state.store.session_marked_runs(session).await?))
}
