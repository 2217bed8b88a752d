//! `GET /api/sessions`, `POST /api/sessions` (start, stopping the running one),
//! `POST /api/sessions/stop`. Starting and stopping need the teacher's token.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};

use super::{ApiError, AppState, Teacher};
use crate::contract::{SessionView, StartSession};
use crate::domain::SessionId;
use crate::store::{Session, SessionSize};

/// Longest accepted session name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The API's view of `s`, with its size.
pub(super) async fn view(state: &AppState, s: Session) -> Result<SessionView, ApiError> {
    let size = state.store.session_size(s.id).await?;
    Ok(view_sized(s, size))
}

pub(super) fn view_sized(s: Session, size: SessionSize) -> SessionView {
    SessionView {
        id: s.id,
        running: s.is_running(),
        name: s.name,
        started_at_ms: s.started_at_ms,
        stopped_at_ms: s.stopped_at_ms,
        records: size.records,
        dropped: s.dropped,
        bytes: size.bytes,
    }
}

#[get("/sessions")]
pub(super) async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sessions = state.store.list_sessions().await?;
    // Every session's size in one query (the kept counts, store/retention.rs).
    let sizes: HashMap<SessionId, SessionSize> =
        state.store.session_sizes().await?.into_iter().collect();
    let views: Vec<SessionView> = sessions
        .into_iter()
        .map(|s| {
            let size = sizes.get(&s.id).copied().unwrap_or_default();
            view_sized(s, size)
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[post("/sessions")]
pub(super) async fn start(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<StartSession>,
) -> Result<HttpResponse, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::BadRequest(format!(
            "a session name must have 1..{MAX_NAME_CHARS} characters"
        )));
    }
    let id = state.recorder.start_session(name).await?;
    let session = get_session(&state, id).await?;
    Ok(HttpResponse::Created().json(view(&state, session).await?))
}

#[post("/sessions/stop")]
pub(super) async fn stop(_: Teacher, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let running = state
        .store
        .running_session()
        .await?
        .ok_or_else(|| ApiError::Conflict("no session is running".into()))?;
    state.recorder.stop_session().await?;
    let session = get_session(&state, running.id).await?;
    Ok(HttpResponse::Ok().json(view(&state, session).await?))
}

async fn get_session(state: &AppState, id: SessionId) -> Result<Session, ApiError> {
    state
        .store
        .get_session(id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("session {id} vanished")))
}
