//! `DELETE /api/sessions/{id}` (never the running session) and `POST /api/sessions/prune`
//! (every stopped session older than a cutoff, or with `dry_run` just the list): the teacher
//! keeps the database from growing without bound. Freed pages go back to the file system at
//! once (see store/retention.rs).

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, post, web};

use super::sessions::{view, view_sized};
use super::{ApiError, AppState, Teacher};
use crate::contract::{PruneRequest, SessionView, SessionsDeleted};
use crate::domain::{SessionId, now_ms};
use crate::store::{RetentionError, SessionSize};

impl From<RetentionError> for ApiError {
    fn from(e: RetentionError) -> Self {
        match e {
            RetentionError::NoSession(_) => ApiError::NotFound(e.to_string()),
            RetentionError::Running(_) => ApiError::Conflict(e.to_string()),
            RetentionError::Store(e) => e.into(),
        }
    }
}

#[delete("/sessions/{id}")]
pub(super) async fn remove(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId(id.into_inner());
    let session = state
        .store
        .get_session(id)
        .await?
        .ok_or(RetentionError::NoSession(id))?;
    let shown = view(&state, session).await?;
    let deleted = state.store.delete_session(id).await?;
    let (pages_before, pages_after) = state.store.reclaim_space().await?;
    Ok(HttpResponse::Ok().json(SessionsDeleted {
        bytes: shown.bytes,
        sessions: vec![shown],
        records: deleted.records,
        dry_run: false,
        pages_before,
        pages_after,
    }))
}

#[post("/sessions/prune")]
pub(super) async fn prune(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<PruneRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.older_than_ms < 0 {
        return Err(ApiError::BadRequest(
            "older_than_ms cannot be negative".into(),
        ));
    }
    let cutoff = now_ms().saturating_sub(body.older_than_ms);
    let old = state.store.sessions_stopped_before(cutoff).await?;
    let sizes: HashMap<SessionId, SessionSize> =
        state.store.session_sizes().await?.into_iter().collect();
    let shown: Vec<SessionView> = old
        .into_iter()
        .map(|s| {
            let size = sizes.get(&s.id).copied().unwrap_or_default();
            view_sized(s, size)
        })
        .collect();
    let bytes = shown.iter().map(|s| s.bytes).sum();
    let records = shown.iter().map(|s| s.records).sum();
    if body.dry_run {
        return Ok(HttpResponse::Ok().json(SessionsDeleted {
            sessions: shown,
            records,
            bytes,
            dry_run: true,
            pages_before: 0,
            pages_after: 0,
        }));
    }
    let deleted = state.store.prune_sessions(cutoff).await?;
    let (pages_before, pages_after) = state.store.reclaim_space().await?;
    // What was listed and what went can differ only by a session stopped in between.
    let gone: Vec<SessionId> = deleted.sessions.iter().map(|s| s.id).collect();
    Ok(HttpResponse::Ok().json(SessionsDeleted {
        sessions: shown.into_iter().filter(|s| gone.contains(&s.id)).collect(),
        records: deleted.records,
        bytes,
        dry_run: false,
        pages_before,
        pages_after,
    }))
}
