//! Messages and views shared by the MQTT link, the fleet actor, robot actors and the HTTP
//! layer: a typed incoming message, a robot's snapshot, a command's outcome, fleet changes.

use actix::Message;
use fleet_protocol::{Ack, Event, RobotId, Status, Telemetry};
use serde::Serialize;

pub use crate::domain::{BroadcastOutcome, CommandOutcome, Liveness, RobotView};

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
