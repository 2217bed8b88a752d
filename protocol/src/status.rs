//! `robots/{id}/status`: retained birth message, and the offline message set as last will.

use serde::{Deserialize, Serialize};

use crate::{PROTOCOL_VERSION, RobotId, Versioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RobotState {
    Online,
    Offline,
}

/// Which hardware layer the agent drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The simulator (differential drive on a floor map).
    Sim,
    /// A real Adeept RaspTank on a Raspberry Pi.
    Rasptank,
}

/// What an agent can do, so the orchestrator does not send commands it cannot execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Drive,
    Servos,
    Leds,
    LineSensors,
    LineFollow,
    Pose,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Status {
    pub v: u32,
    pub id: RobotId,
    pub state: RobotState,
    /// Agent version (crate version).
    pub version: String,
    pub backend: Backend,
    pub capabilities: Vec<Capability>,
    /// Why the robot is offline: "shutdown" (clean exit) or "link lost" (last will).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Robot clock, Unix milliseconds.
    pub ts_ms: u64,
}

impl Status {
    pub fn online(
        id: RobotId,
        version: &str,
        backend: Backend,
        capabilities: Vec<Capability>,
        ts_ms: u64,
    ) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            id,
            state: RobotState::Online,
            version: version.to_owned(),
            backend,
            capabilities,
            reason: None,
            ts_ms,
        }
    }

    /// The same robot, offline for `reason`.
    pub fn offline(&self, reason: &str, ts_ms: u64) -> Self {
        Self {
            state: RobotState::Offline,
            reason: Some(reason.to_owned()),
            ts_ms,
            ..self.clone()
        }
    }
}

impl Versioned for Status {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    #[test]
    fn birth_and_will_round_trip() {
        let id = RobotId::parse("tank-1").unwrap();
        let birth = Status::online(id, "0.1.0", Backend::Sim, vec![Capability::Drive], 5);
        assert_round_trip(&birth);
        let will = birth.offline("link lost", 6);
        assert_eq!(will.state, RobotState::Offline);
        assert_round_trip(&will);
    }

    #[test]
    fn a_status_from_a_future_protocol_is_rejected() {
        let json = br#"{"v":2,"id":"a","state":"online","version":"9","backend":"sim","capabilities":[],"ts_ms":1}"#;
        assert!(matches!(
            crate::decode::<Status>(json),
            Err(crate::ProtocolError::Version { got: 2, .. })
        ));
    }
}
