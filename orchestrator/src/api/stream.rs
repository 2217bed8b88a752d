//! `GET /api/stream`: fleet changes as server-sent events, one JSON object per `data:` line.
//! One multiplexed stream per page (browsers allow ~6 connections per origin).
//! `?robot=ID` keeps only that robot's changes (a remote page needs no one else's telemetry).

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use fleet_protocol::RobotId;
use serde::Deserialize;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{ApiError, AppState};
use crate::actors::{FleetChange, SubscribeChanges};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize)]
struct StreamFilter {
    robot: Option<String>,
}

#[get("/stream")]
pub(super) async fn stream(
    state: web::Data<AppState>,
    filter: web::Query<StreamFilter>,
) -> Result<HttpResponse, ApiError> {
    let only: Option<RobotId> = match &filter.robot {
        Some(raw) => Some(super::robots::robot_id(raw)?),
        None => None,
    };
    let changes = state.fleet.send(SubscribeChanges).await?;
    let body = futures_util::stream::unfold((changes, only), |(mut changes, only)| async move {
        let chunk = next_chunk(&mut changes, only.as_ref()).await?;
        Some((Ok::<_, actix_web::Error>(chunk), (changes, only)))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// The next SSE chunk: a change, a `lagged` event (the client should re-read the robot list),
/// or a keepalive. `None` ends the stream (the fleet stopped).
async fn next_chunk(changes: &mut Receiver<FleetChange>, only: Option<&RobotId>) -> Option<Bytes> {
    let deadline = tokio::time::Instant::now() + KEEPALIVE;
    loop {
        let next = tokio::time::timeout_at(deadline, changes.recv()).await;
        if let Ok(Ok(change)) = &next
            && only.is_some_and(|robot| !concerns(change, robot))
        {
            continue;
        }
        return chunk(next);
    }
}

/// Whether a change is about `robot`: robot changes name it in `robot`, mission changes in
/// `mission.robot`.
fn concerns(change: &FleetChange, robot: &RobotId) -> bool {
    serde_json::to_value(change).ok().is_some_and(|v| {
        let named = v.get("robot").or_else(|| v.get("mission")?.get("robot"));
        named.and_then(|r| r.as_str()) == Some(robot.as_str())
    })
}

fn chunk(
    next: Result<Result<FleetChange, RecvError>, tokio::time::error::Elapsed>,
) -> Option<Bytes> {
    match next {
        Err(_) => Some(Bytes::from_static(b": keepalive\n\n")),
        Ok(Ok(change)) => Some(sse_data(&change)),
        Ok(Err(RecvError::Lagged(missed))) => Some(Bytes::from(format!(
            "event: lagged\ndata: {{\"missed\":{missed}}}\n\n"
        ))),
        Ok(Err(RecvError::Closed)) => None,
    }
}

fn sse_data(change: &FleetChange) -> Bytes {
    // JSON never contains a raw newline, so one `data:` line per event is enough.
    let json = serde_json::to_string(change).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!("data: {json}\n\n"))
}
