//! The orchestrator's own identifiers: sessions, missions and group names (robot ids come from
//! the protocol crate).

use std::fmt;

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

/// Primary key of a session row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct SessionId(pub i64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Primary key of a mission row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MissionId(pub i64);

impl fmt::Display for MissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A group's name: 1..64 characters from `A-Z a-z 0-9 - _ . :`, like a robot id, so it is safe
/// in a URL path and a shell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupName(String);

/// A string that is not a valid group name (kept, shortened, to say which).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad group name {0:?}: use 1..64 characters from A-Z a-z 0-9 - _ . : (no spaces or slashes)"
)]
pub struct BadGroupName(pub String);

impl GroupName {
    pub fn parse(raw: &str) -> Result<Self, BadGroupName> {
        // The robot-id rule itself (protocol crate), so the two cannot drift apart.
        if RobotId::parse(raw).is_err() {
            return Err(BadGroupName(raw.chars().take(80).collect()));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GroupName {
    type Error = BadGroupName;
    fn try_from(raw: String) -> Result<Self, BadGroupName> {
        GroupName::parse(&raw)
    }
}

impl From<GroupName> for String {
    fn from(name: GroupName) -> String {
        name.0
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_follow_the_robot_id_rule_and_round_trip_through_json() {
        for bad in ["", "a b", "a/b", &"x".repeat(65)] {
            assert!(GroupName::parse(bad).is_err(), "{bad:?}");
        }
        let name = GroupName::parse("table-3.a:b_c").unwrap();
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, "\"table-3.a:b_c\"");
        assert_eq!(serde_json::from_str::<GroupName>(&json).unwrap(), name);
        assert!(serde_json::from_str::<GroupName>("\"a b\"").is_err());
    }
}
