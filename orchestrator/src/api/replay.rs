//! `GET /api/sessions/{id}/summary` and `GET /api/sessions/{id}/records`: what the dashboard's
//! replay reads. The summary is a few index walks however long the session; records come a
//! window at a time around the play head, keyset-paginated by `(at_ms, id)`, from the read pool
//! only, so a replay never disturbs the live fleet or the recorder.

use actix_web::{HttpResponse, get, web};
use fleet_protocol::RobotId;

use super::sessions::view;
use super::{ApiError, AppState};
use crate::contract::{
    Mark, MissionMark, PageCursor, RecordPage, RecordView, RecordWindow, SessionSummary,
};
use crate::domain::SessionId;
use crate::store::{self, MAX_WINDOW_ROWS, ReplayCursor, StoredRecord, WindowQuery};

/// Rows a page holds when the query does not say.
const DEFAULT_PAGE_ROWS: u32 = 2_000;

#[get("/sessions/{id}/summary")]
pub(super) async fn summary(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId(id.into_inner());
    let summary = state
        .store
        .session_summary(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no session {id}")))?;
    let answer = SessionSummary {
        session: view(&state, summary.session).await?,
        first_ms: summary.first_ms,
        last_ms: summary.last_ms,
        robots: summary.robots.iter().map(|r| r.to_string()).collect(),
        marks: summary.marks.into_iter().map(mark).collect(),
    };
    Ok(HttpResponse::Ok().json(answer))
}

fn mark(m: store::Mark) -> Mark {
    Mark {
        at_ms: m.at_ms,
        robot: m.robot.map(|r| r.to_string()),
        what: m.what,
        detail: m.detail,
        mission: m.mission.map(|m| MissionMark {
            id: m.id,
            kind: m.kind,
            state: m.state,
            reason: m.reason,
        }),
    }
}

#[get("/sessions/{id}/records")]
pub(super) async fn records(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    window: web::Query<RecordWindow>,
) -> Result<HttpResponse, ApiError> {
    let session = SessionId(id.into_inner());
    if state.store.get_session(session).await?.is_none() {
        return Err(ApiError::NotFound(format!("there is no session {session}")));
    }
    let query = window_query(session, &window)?;
    let page = state.store.records_in_window(&query).await?;
    let next = query.next(&page).and_then(|n| n.after).map(|c| PageCursor {
        at_ms: c.at_ms,
        id: c.id,
    });
    let records = page.into_iter().map(record_view).collect();
    Ok(HttpResponse::Ok().json(RecordPage { records, next }))
}

/// The store's query for a request, refusing what makes no sense with the reason.
fn window_query(session: SessionId, w: &RecordWindow) -> Result<WindowQuery, ApiError> {
    let robots = match &w.robots {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                RobotId::parse(r).map_err(|e| ApiError::BadRequest(format!("robots: {r:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let after = match (w.after_at_ms, w.after_id) {
        (Some(at_ms), Some(id)) => Some(ReplayCursor { at_ms, id }),
        (None, None) => None,
        _ => {
            return Err(ApiError::BadRequest(
                "after_at_ms and after_id go together (the previous page's `next`)".into(),
            ));
        }
    };
    let (from_ms, to_ms) = (w.from_ms.unwrap_or(i64::MIN), w.to_ms.unwrap_or(i64::MAX));
    if from_ms > to_ms {
        return Err(ApiError::BadRequest(format!(
            "from_ms {from_ms} is after to_ms {to_ms}"
        )));
    }
    Ok(WindowQuery {
        session,
        robots,
        from_ms,
        to_ms,
        after,
        limit: w
            .limit
            .unwrap_or(DEFAULT_PAGE_ROWS)
            .clamp(1, MAX_WINDOW_ROWS),
    })
}

fn record_view(s: StoredRecord) -> RecordView {
    let payload = serde_json::from_slice(&s.record.payload).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&s.record.payload).into_owned())
    });
    RecordView {
        id: s.id,
        at_ms: s.record.at_ms,
        robot: s.record.robot.map(|r| r.to_string()),
        kind: s.record.kind.as_str().to_owned(),
        topic: s.record.topic,
        payload,
    }
}
