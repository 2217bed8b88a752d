//! The roster and robot enrollment (teacher only): `GET /api/roster` answers a list of
//! [`StudentView`]s; `POST /api/roster/import` (body [`RosterImport`]) an [`ImportReport`];
//! `PUT /api/roster/{student}/robot` (body [`Assign`]) the [`StudentView`];
//! `POST /api/roster/{student}/token` an [`IssuedStudent`]; `DELETE /api/roster/{student}`
//! a [`Removed`]. `POST /api/robots/{id}/enroll` answers [`Enrolled`] (the password, once);
//! `DELETE /api/robots/{id}/enroll` a [`Removed`]. `GET /api/access/stop?robot=ID` answers
//! [`StopView`]. `GET /api/robots/throttled` a list of [`Throttled`].

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

use crate::roster::StudentId;
use crate::store::GroupName;

/// A student as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentView {
    pub student: StudentId,
    pub name: String,
    pub team: Option<GroupName>,
    pub robot: Option<RobotId>,
}

/// A class file's text (`student id, name, team, robot id` a line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterImport {
    pub csv: String,
}

/// What an import changed. `added` carries each new student's token: the only time it is
/// shown (the server keeps only hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: Vec<IssuedStudent>,
    pub updated: Vec<StudentId>,
    pub unchanged: usize,
    /// The teams of the file, each now a group with its students' robots.
    pub groups: Vec<GroupName>,
}

/// A student's freshly issued token: the bearer token for the API and the remotes, and the
/// MQTT password of username `student`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedStudent {
    pub student: StudentId,
    pub name: String,
    pub robot: Option<RobotId>,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    pub robot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub removed: String,
}

/// A robot's new broker credential (username = MQTT client id = robot id). `settings` are the
/// agent's `KEY=value` lines for a systemd `EnvironmentFile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub robot: RobotId,
    pub username: String,
    pub password: String,
    /// Where the robot connects (`mqtt://host:port`, no credentials in it).
    pub broker: String,
}

impl Enrolled {
    /// The agent's settings (robot-agent/src/config.rs reads these variables), one
    /// `KEY=value` a line, for the robot's systemd `EnvironmentFile`.
    pub fn env_file(&self) -> String {
        format!(
            "ROBOT_AGENT_ID={}\nROBOT_AGENT_BROKER={}\nROBOT_AGENT_BROKER_USER={}\nROBOT_AGENT_BROKER_PASSWORD={}\n",
            self.robot, self.broker, self.username, self.password
        )
    }
}

/// Who holds a robot's emergency stop, so the remote shows "Release" only to who may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopView {
    pub robot: RobotId,
    /// `teacher`, `student`, or `null` (no stop recorded).
    pub held_by: Option<String>,
    /// Whether the asking token may lift it.
    pub may_release: bool,
}

/// A robot whose messages the broker dropped for publishing far above its telemetry rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttled {
    pub robot: String,
    /// Messages dropped since the server started.
    pub dropped: u64,
    /// Whether it is still over its rate (a drop in the last few seconds).
    pub now: bool,
    /// The limit, messages a second.
    pub limit_per_s: u32,
}
