//! Missions: `POST /api/missions` (body [`AssignRequest`]) answers an [`AssignAnswer`];
//! `GET /api/missions` a list of [`MissionRecord`]s, newest first; `GET /api/missions/{id}`
//! and `POST /api/missions/{id}/abort` (body [`AbortRequest`], optional) one, with its
//! transitions.

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

use crate::domain::{GroupName, MissionSpec};
pub use crate::store::{MissionRecord, Transition};

/// Names exactly one target: a robot or a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    #[serde(default)]
    pub robot: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    pub mission: MissionSpec,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbortRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A robot of a group that did not get the mission, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRobot {
    pub robot: RobotId,
    pub error: String,
}

/// The answer to a mission assigned to a group: 201 when at least one robot got it, 409 (with
/// `error` set) when none did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAssignment {
    pub group: GroupName,
    pub assigned: Vec<MissionRecord>,
    pub refused: Vec<RefusedRobot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A mission assigned to one robot answers the mission; to a group, a [`GroupAssignment`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AssignAnswer {
    Group(GroupAssignment),
    One(MissionRecord),
}
