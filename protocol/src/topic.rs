//! Topic names: the only place where topic strings are built or taken apart.
//!
//! Per robot: `robots/{id}/{status|telemetry|events|cmd|ack}`. Fleet-wide: [`BROADCAST_CMD`],
//! one publish that reaches every agent (each still acknowledges on its own `ack` topic), and
//! [`heartbeat`], the orchestrator's enable signal. Only the orchestrator publishes under
//! `fleet/`.

use crate::{ProtocolError, RobotId};

const ROOT: &str = "robots";

/// Commands for every robot at once (stop-all, estop). Each agent acks on `robots/{id}/ack`.
pub const BROADCAST_CMD: &str = "fleet/cmd";

/// The orchestrator's heartbeat (see [`crate::Heartbeat`]); agents holding a lease subscribe.
pub const HEARTBEAT: &str = "fleet/heartbeat";

/// The fleet-wide topics every agent may subscribe to, and only the orchestrator publishes.
pub const FLEET_TOPICS: [&str; 2] = [BROADCAST_CMD, HEARTBEAT];

/// The topic of the orchestrator's heartbeat.
pub fn heartbeat() -> &'static str {
    HEARTBEAT
}

/// Whether `topic` (or a filter) lies under `fleet/`, where only the orchestrator publishes.
pub fn is_fleet(topic: &str) -> bool {
    topic == "fleet" || topic.starts_with("fleet/")
}

/// The per-robot topics, in the order the orchestrator subscribes to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    Status,
    Telemetry,
    Events,
    Cmd,
    Ack,
}

impl TopicKind {
    pub const ALL: [TopicKind; 5] = [
        TopicKind::Status,
        TopicKind::Telemetry,
        TopicKind::Events,
        TopicKind::Cmd,
        TopicKind::Ack,
    ];

    pub fn suffix(self) -> &'static str {
        match self {
            TopicKind::Status => "status",
            TopicKind::Telemetry => "telemetry",
            TopicKind::Events => "events",
            TopicKind::Cmd => "cmd",
            TopicKind::Ack => "ack",
        }
    }

    fn from_suffix(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.suffix() == s)
    }

    /// The wildcard filter matching this kind for every robot, e.g. `robots/+/status`.
    pub fn wildcard(self) -> String {
        format!("{ROOT}/+/{}", self.suffix())
    }

    /// The topic of this kind for one robot.
    pub fn for_robot(self, id: &RobotId) -> String {
        format!("{ROOT}/{id}/{}", self.suffix())
    }
}

pub fn status(id: &RobotId) -> String {
    TopicKind::Status.for_robot(id)
}
pub fn telemetry(id: &RobotId) -> String {
    TopicKind::Telemetry.for_robot(id)
}
pub fn events(id: &RobotId) -> String {
    TopicKind::Events.for_robot(id)
}
pub fn cmd(id: &RobotId) -> String {
    TopicKind::Cmd.for_robot(id)
}
pub fn ack(id: &RobotId) -> String {
    TopicKind::Ack.for_robot(id)
}

/// A parsed per-robot topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub robot: RobotId,
    pub kind: TopicKind,
}

impl Topic {
    /// Parses `robots/{id}/{kind}`, validating the id; anything else is an error.
    pub fn parse(topic: &str) -> Result<Self, ProtocolError> {
        let unknown = || ProtocolError::UnknownTopic(topic.chars().take(128).collect());
        let rest = topic
            .strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(unknown)?;
        let (id, suffix) = rest.rsplit_once('/').ok_or_else(unknown)?;
        let kind = TopicKind::from_suffix(suffix).ok_or_else(unknown)?;
        let robot = RobotId::parse(id)?;
        Ok(Self { robot, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_through_parse() {
        let id = RobotId::parse("0xdca632bf91cc").unwrap();
        for kind in TopicKind::ALL {
            let t = kind.for_robot(&id);
            assert_eq!(
                Topic::parse(&t).unwrap(),
                Topic {
                    robot: id.clone(),
                    kind
                }
            );
        }
        assert_eq!(status(&id), "robots/0xdca632bf91cc/status");
        assert_eq!(TopicKind::Telemetry.wildcard(), "robots/+/telemetry");
    }

    #[test]
    fn the_fleet_topics_are_under_fleet_and_robot_topics_are_not() {
        assert_eq!(heartbeat(), "fleet/heartbeat");
        assert!(FLEET_TOPICS.iter().all(|t| is_fleet(t)));
        assert!(is_fleet("fleet/#") && is_fleet("fleet"));
        assert!(!is_fleet("fleetx/cmd") && !is_fleet("robots/fleet/cmd"));
    }

    #[test]
    fn foreign_and_hostile_topics_are_rejected() {
        for bad in [
            "robots/a/b/status",
            "robots//status",
            "robots/x/unknown",
            "other/x/status",
            "robots/x",
            "robots/+/status",
        ] {
            assert!(Topic::parse(bad).is_err(), "{bad} accepted");
        }
        let long = format!("robots/{}/status", "a".repeat(1024));
        assert!(matches!(
            Topic::parse(&long),
            Err(ProtocolError::IdTooLong { .. })
        ));
    }
}
