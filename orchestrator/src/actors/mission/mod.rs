//! Missions: a kind with parameters ([`spec`]), a state machine ([`state`]) recorded in SQLite,
//! one [`actor::MissionActor`] per running mission, and [`control::MissionControl`], which
//! assigns missions (refusing unknown, offline and busy robots), aborts them and knows which
//! robot is busy.

pub mod actor;
pub mod control;
pub mod course;
pub mod link;
mod script;

/// The spec and the state machine live in the domain layer (the store reads them back too).
pub use crate::domain::{mission_spec as spec, mission_state as state};

use actix::Message;
use fleet_protocol::RobotId;
use serde::Serialize;

pub use crate::domain::{
    LineFollowSpec, MissionSpec, MissionState, ScriptSpec, SpecError, Step, timeout_for,
};
pub use actor::{AbortMission, MissionActor};
pub use control::{AbortById, AbortError, AssignError, AssignMission, Assignment, MissionControl};

use crate::domain::MissionId;

/// A mission changed state or made progress: pushed to live views as
/// [`crate::actors::FleetChange::MissionChanged`] once the change is in the database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissionUpdate {
    pub id: MissionId,
    pub robot: RobotId,
    pub kind: &'static str,
    pub state: MissionState,
    pub reason: Option<String>,
    /// "lap 1/2", "step 3/5"...
    pub progress: Option<String>,
    pub at_ms: i64,
}

/// A mission actor tells [`control::MissionControl`] that its robot is free again.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct MissionEnded {
    pub robot: RobotId,
    pub mission: MissionId,
}
