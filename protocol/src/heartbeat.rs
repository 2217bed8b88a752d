//! `fleet/heartbeat`: the orchestrator's enable signal, QoS 0, several times a second. An agent
//! holding an enable lease moves only while it keeps hearing it (docs/classroom.md, "The enable
//! lease"): a frozen or partitioned orchestrator stops every robot within the lease.

use serde::{Deserialize, Serialize};

use crate::{PROTOCOL_VERSION, Versioned};

/// One beat. Small on purpose: every agent receives it several times a second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub v: u32,
    /// Grows by one per beat, so a receiver can tell how many it missed.
    pub seq: u64,
    /// The orchestrator's clock, Unix milliseconds.
    pub ts_ms: u64,
}

impl Heartbeat {
    pub fn new(seq: u64, ts_ms: u64) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            seq,
            ts_ms,
        }
    }
}

impl Versioned for Heartbeat {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    #[test]
    fn a_heartbeat_round_trips_and_stays_small() {
        let beat = Heartbeat::new(12, 1_764_100_000_000);
        assert_round_trip(&beat);
        let bytes = crate::encode(&beat);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"v":1,"seq":12,"ts_ms":1764100000000}"#
        );
        assert!(bytes.len() < 64);
    }

    #[test]
    fn a_heartbeat_of_another_protocol_version_is_refused() {
        let err = crate::decode::<Heartbeat>(br#"{"v":2,"seq":1,"ts_ms":1}"#).unwrap_err();
        assert!(matches!(err, crate::ProtocolError::Version { got: 2, .. }));
    }
}
