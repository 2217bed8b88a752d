//! Messages and views shared by the MQTT link, the fleet actor, robot actors and the HTTP
//! layer: a typed incoming message, a robot's snapshot, a command's outcome, fleet changes.

use actix::Message;
use fleet_protocol::{Ack, ErrorCode, Event, RobotId, Status, Telemetry};
use serde::Serialize;

/// A students' robot was heard on the game's legacy topics (by the game master). The fleet
/// lists it as a `legacy` robot unless the project's agent speaks for that id.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct LegacyHeard {
    pub robot: RobotId,
    pub at_ms: i64,
}

/// One valid message from a robot, already parsed at the edge (the MQTT link).
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct Incoming {
    pub robot: RobotId,
    /// Orchestrator clock when received, Unix milliseconds.
    pub received_at_ms: i64,
    pub payload: Payload,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Status(Status),
    Telemetry(Telemetry),
    Event(Event),
    Ack(Ack),
}

/// What the orchestrator believes about a robot's link. Unlike the robot's own
/// [`fleet_protocol::RobotState`], it has `Stale`: online by its status, but silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

/// What speaks for a robot: the project's agent, or a students' robot that speaks only the
/// course game's legacy protocol (no project commands: it cannot be stopped remotely).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotKind {
    #[default]
    Agent,
    Legacy,
}

/// A serializable snapshot of one robot, as the API and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobotView {
    pub id: RobotId,
    pub kind: RobotKind,
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
            kind: RobotKind::Agent,
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

/// The one answer a caller gets for a command.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// The robot executed it (the ack, with its robot-side timestamp).
    Acked(Ack),
    /// The robot refused it, saying why.
    Rejected { code: ErrorCode, message: String },
    /// No ack within the ack timeout.
    TimedOut,
    /// The robot is offline (its last will or shutdown status arrived): nothing was sent, or
    /// it went offline before answering.
    RobotOffline,
    /// No robot with this id was ever seen.
    UnknownRobot,
    /// The command could not be sent or followed (the MQTT queue is full, the robot's actor
    /// crashed while waiting).
    Failed { reason: String },
}

/// The outcome of a command broadcast on `fleet/cmd`, per known robot, sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BroadcastOutcome {
    pub cmd_id: fleet_protocol::CommandId,
    pub outcomes: Vec<(RobotId, CommandOutcome)>,
}

/// What changed in the fleet, pushed on a broadcast channel for live views (dashboard).
/// A slow receiver loses the oldest changes (`RecvError::Lagged`) and should re-read the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum FleetChange {
    /// First message from a robot the fleet did not know.
    RobotAdded {
        robot: RobotId,
    },
    StateChanged {
        robot: RobotId,
        from: Liveness,
        to: Liveness,
        at_ms: i64,
    },
    StatusUpdated {
        robot: RobotId,
        status: Status,
    },
    TelemetryUpdated {
        robot: RobotId,
        telemetry: Telemetry,
    },
    EventReceived {
        robot: RobotId,
        event: Event,
    },
    /// The robot's actor crashed and was started again from its last state.
    RobotRestarted {
        robot: RobotId,
        restarts: u32,
    },
    /// A mission changed state or made progress (already recorded in the database).
    MissionChanged {
        mission: super::mission::MissionUpdate,
    },
}
