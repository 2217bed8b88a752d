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

/// Whether a change is about `robot`. Read from the change itself, not its JSON: this runs for
/// every change of every robot on every filtered stream.
fn concerns(change: &FleetChange, robot: &RobotId) -> bool {
    let named = match change {
        FleetChange::RobotAdded { robot }
        | FleetChange::StateChanged { robot, .. }
        | FleetChange::StatusUpdated { robot, .. }
        | FleetChange::TelemetryUpdated { robot, .. }
        | FleetChange::EventReceived { robot, .. }
        | FleetChange::RobotRestarted { robot, .. } => robot,
        FleetChange::MissionChanged { mission } => &mission.robot,
    };
    named == robot
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::mission::{MissionState, MissionUpdate};
    use crate::domain::MissionId;

    fn id(raw: &str) -> RobotId {
        RobotId::parse(raw).unwrap()
    }

    #[test]
    fn a_robot_filter_keeps_that_robots_changes_and_its_missions_only() {
        let mission = |robot: &str| FleetChange::MissionChanged {
            mission: MissionUpdate {
                id: MissionId(1),
                robot: id(robot),
                kind: "line_follow",
                state: MissionState::Running,
                reason: None,
                progress: None,
                at_ms: 0,
            },
        };
        let added = |robot: &str| FleetChange::RobotAdded { robot: id(robot) };
        let restarted = FleetChange::RobotRestarted {
            robot: id("sim-01"),
            restarts: 1,
        };
        let me = id("sim-01");
        assert!(concerns(&added("sim-01"), &me));
        assert!(concerns(&restarted, &me));
        assert!(concerns(&mission("sim-01"), &me));
        assert!(!concerns(&added("sim-02"), &me));
        assert!(!concerns(&mission("sim-02"), &me));
    }
}
