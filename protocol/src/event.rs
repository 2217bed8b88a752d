//! `robots/{id}/events`: edges and facts, QoS 1. Telemetry says how things are; events say
//! what just happened, so a recorder or a mission never has to diff samples.

use serde::{Deserialize, Serialize};

use crate::{LineReading, PROTOCOL_VERSION, Versioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineSensor {
    Left,
    Middle,
    Right,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// One line sensor changed level (an edge interrupt on the real robot).
    LineEdge {
        sensor: LineSensor,
        on_line: bool,
        line: LineReading,
    },
    /// No sensor sees the line any more (after one did).
    LineLost,
    /// A sensor sees the line again.
    LineFound,
    /// All three sensors went white while the robot was centred on the line: the robot drove
    /// into a white zone drawn across the line (finish zone, capture zone).
    ZoneEntered,
    /// The line reappeared after a white zone.
    ZoneLeft,
    /// The dead-man timer stopped the motors: no drive command for `timeout_ms`.
    DeadmanStop {
        timeout_ms: u64,
    },
    /// The motors were stopped because the broker link dropped (published after reconnecting).
    LinkLossStop,
    /// The enable lease ran out: no orchestrator heartbeat for `lease_ms`, so every motion was
    /// stopped. Published once the heartbeat is heard again; `silent_ms` is how long it was
    /// silent. The robot does not move again until a new motion command.
    LeaseExpired {
        lease_ms: u64,
        silent_ms: u64,
    },
    /// Emergency stop latched; drive commands are refused until released.
    Estopped,
    Released,
    /// The on-robot line following started or stopped (with why it stopped).
    LineFollowStarted,
    LineFollowStopped {
        reason: String,
    },
    /// A command that could not even be read well enough to acknowledge it.
    CommandDropped {
        reason: String,
    },
    /// Something went wrong in the agent or the hardware.
    Fault {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    pub v: u32,
    pub seq: u64,
    pub ts_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    pub fn new(seq: u64, ts_ms: u64, kind: EventKind) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            seq,
            ts_ms,
            kind,
        }
    }
}

impl Versioned for Event {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    #[test]
    fn every_event_kind_round_trips() {
        let kinds = [
            EventKind::LineEdge {
                sensor: LineSensor::Middle,
                on_line: true,
                line: LineReading {
                    left: false,
                    middle: true,
                    right: false,
                },
            },
            EventKind::LineLost,
            EventKind::LineFound,
            EventKind::ZoneEntered,
            EventKind::ZoneLeft,
            EventKind::DeadmanStop { timeout_ms: 500 },
            EventKind::LinkLossStop,
            EventKind::LeaseExpired {
                lease_ms: 500,
                silent_ms: 1500,
            },
            EventKind::Estopped,
            EventKind::Released,
            EventKind::LineFollowStarted,
            EventKind::LineFollowStopped {
                reason: "stop command".into(),
            },
            EventKind::CommandDropped {
                reason: "bad json".into(),
            },
            EventKind::Fault {
                message: "i2c".into(),
            },
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            assert_round_trip(&Event::new(i as u64, 10, kind));
        }
    }

    #[test]
    fn the_wire_shape_is_flat() {
        let json = String::from_utf8(crate::encode(&Event::new(
            1,
            2,
            EventKind::DeadmanStop { timeout_ms: 500 },
        )))
        .unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"seq":1,"ts_ms":2,"kind":"deadman_stop","timeout_ms":500}"#
        );
    }
}
