//! What the orchestrator knows about one robot: its liveness (derived from what arrives) and
//! the snapshot the actors keep, the store saves and the API shows.

use fleet_protocol::{RobotId, Status, Telemetry};
use serde::{Deserialize, Serialize};

/// What the orchestrator believes about a robot's link. Unlike the robot's own
/// [`fleet_protocol::RobotState`], it has `Stale`: online by its status, but silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    Online,
    /// No telemetry for `STALE_AFTER` while no offline status (last will) arrived.
    Stale,
    Offline,
}

impl Liveness {
    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Online => "online",
            Liveness::Stale => "stale",
            Liveness::Offline => "offline",
        }
    }

    /// Reads back [`Liveness::as_str`] (the store keeps the state as text).
    pub fn parse(text: &str) -> Option<Self> {
        [Liveness::Online, Liveness::Stale, Liveness::Offline]
            .into_iter()
            .find(|l| l.as_str() == text)
    }
}

/// A serializable snapshot of one robot, as the API and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobotView {
    pub id: RobotId,
    pub state: Liveness,
    /// The last status (birth or offline) the robot published, if any arrived yet.
    pub status: Option<Status>,
    pub telemetry: Option<Telemetry>,
    /// Orchestrator clock of the last message of any kind, Unix milliseconds.
    pub last_seen_ms: Option<i64>,
    /// Commands sent and not yet acknowledged or timed out (derived by the robot's actor).
    pub pending_commands: usize,
    /// The mission attached to the robot ("#3 line_follow"; derived by the robot's actor).
    pub mission: Option<String>,
    /// How many times the robot's actor was restarted after a crash.
    pub restarts: u32,
}

impl RobotView {
    /// A robot nothing is known about yet (its first message is about to be applied).
    pub fn unknown(id: RobotId) -> Self {
        Self {
            id,
            state: Liveness::Offline,
            status: None,
            telemetry: None,
            last_seen_ms: None,
            pending_commands: 0,
            mission: None,
            restarts: 0,
        }
    }
}
