//! A student's id: their MQTT username and the key of their roster row, with the robot-id
//! character rules (protocol crate) so it is safe in a topic, a URL path and a shell.

use std::fmt;

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StudentId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad student id {0:?}: use 1..64 characters from A-Z a-z 0-9 - _ . : (no spaces)")]
pub struct BadStudentId(pub String);

impl StudentId {
    pub fn parse(raw: &str) -> Result<Self, BadStudentId> {
        // The robot-id rule itself, so the two cannot drift apart.
        if RobotId::parse(raw).is_err() {
            return Err(BadStudentId(raw.chars().take(80).collect()));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StudentId {
    type Error = BadStudentId;
    fn try_from(raw: String) -> Result<Self, BadStudentId> {
        StudentId::parse(&raw)
    }
}

impl From<StudentId> for String {
    fn from(id: StudentId) -> String {
        id.0
    }
}

impl fmt::Display for StudentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
