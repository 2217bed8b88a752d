//! What a replay plays (`ros2 bag play`'s options): a session, the rate, a span given as offsets
//! from its first record, robot and topic filters, looping, starting paused, and where it
//! publishes.

use fleet_protocol::{RobotId, topic};

use crate::recorder::{Record, RecordKind};
use crate::store::SessionId;

/// Where a replay publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Under `replay/` ([`topic::replayed`]): nothing live listens there. The default.
    Replay,
    /// On the recorded topics themselves: robots and a running orchestrator take it for live
    /// traffic (recorded commands drive robots). Needs the teacher's explicit consent.
    Live,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    pub session: SessionId,
    /// 1.0 is the original pace.
    pub rate: f64,
    /// Start this many ms after the session's first record.
    pub start_ms: i64,
    /// Stop after the record this many ms after the first record (inclusive); `None`: the end.
    pub end_ms: Option<i64>,
    /// Only these robots (and fleet-wide records); empty: all.
    pub robots: Vec<RobotId>,
    /// MQTT filters on the recorded topic (`robots/+/telemetry`); empty: all.
    pub topics: Vec<String>,
    pub looped: bool,
    pub paused: bool,
    pub target: Target,
}

impl ReplayOptions {
    /// The whole session at its own pace, under `replay/`.
    pub fn new(session: SessionId) -> Self {
        Self {
            session,
            rate: 1.0,
            start_ms: 0,
            end_ms: None,
            robots: Vec::new(),
            topics: Vec::new(),
            looped: false,
            paused: false,
            target: Target::Replay,
        }
    }

    /// The topic `record` is published on, or `None` when it is not replayed: derived states
    /// were never MQTT messages (they are the orchestrator's view, filed under the status topic
    /// with another shape), and the topic filters may leave it out.
    pub fn publish_topic(&self, record: &Record) -> Option<String> {
        if record.kind == RecordKind::State {
            return None;
        }
        let wanted = self.topics.is_empty()
            || self
                .topics
                .iter()
                .any(|f| topic::matches_filter(f, &record.topic));
        wanted.then(|| match self.target {
            Target::Replay => topic::replayed(&record.topic),
            Target::Live => record.topic.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: RecordKind, topic: &str) -> Record {
        Record {
            robot: None,
            kind,
            at_ms: 0,
            topic: topic.into(),
            payload: Vec::new(),
        }
    }

    #[test]
    fn records_go_under_replay_unless_live_and_derived_states_never_go() {
        let mut options = ReplayOptions::new(SessionId(1));
        let telemetry = record(RecordKind::Telemetry, "robots/t1/telemetry");
        assert_eq!(
            options.publish_topic(&telemetry).as_deref(),
            Some("replay/robots/t1/telemetry")
        );
        assert_eq!(
            options.publish_topic(&record(RecordKind::State, "robots/t1/status")),
            None
        );
        options.target = Target::Live;
        assert_eq!(
            options.publish_topic(&telemetry).as_deref(),
            Some("robots/t1/telemetry")
        );
        options.topics = vec!["robots/+/events".into(), "fleet/#".into()];
        assert_eq!(options.publish_topic(&telemetry), None);
        let estop = record(RecordKind::Command, "fleet/cmd");
        assert_eq!(options.publish_topic(&estop).as_deref(), Some("fleet/cmd"));
    }
}
