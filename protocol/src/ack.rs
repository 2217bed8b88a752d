//! `robots/{id}/ack`: one answer per command (also for broadcast commands), QoS 1.

use serde::{Deserialize, Serialize};

use crate::{CommandId, PROTOCOL_VERSION, Versioned};

/// Why a command was refused, for programs; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The payload could not be read as a command (bad JSON, unknown kind, wrong version).
    Malformed,
    /// A value outside the allowed range (speed, servo angle).
    OutOfRange,
    /// The robot lacks the hardware or behaviour the command needs.
    Unsupported,
    /// The robot is emergency-stopped: motion is refused until a release.
    Estopped,
    /// The hardware failed to execute the command.
    Hardware,
    /// Motion needs the orchestrator's enable: the agent holds a lease and has not heard the
    /// heartbeat within it.
    NotEnabled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AckResult {
    Ok,
    Error { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ack {
    pub v: u32,
    /// The id of the acknowledged command.
    pub cmd_id: CommandId,
    pub ts_ms: u64,
    #[serde(flatten)]
    pub result: AckResult,
}

impl Ack {
    pub fn ok(cmd_id: CommandId, ts_ms: u64) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            cmd_id,
            ts_ms,
            result: AckResult::Ok,
        }
    }

    pub fn error(
        cmd_id: CommandId,
        ts_ms: u64,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            cmd_id,
            ts_ms,
            result: AckResult::Error {
                code,
                message: message.into(),
            },
        }
    }

    pub fn is_ok(&self) -> bool {
        self.result == AckResult::Ok
    }
}

impl Versioned for Ack {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    #[test]
    fn ok_and_error_acks_round_trip() {
        let id = CommandId::parse("c1").unwrap();
        assert_round_trip(&Ack::ok(id.clone(), 3));
        let err = Ack::error(
            id,
            4,
            ErrorCode::OutOfRange,
            "servo angle 200 out of range 0..180",
        );
        assert_round_trip(&err);
        assert!(!err.is_ok());
        assert_eq!(
            String::from_utf8(crate::encode(&err)).unwrap(),
            r#"{"v":1,"cmd_id":"c1","ts_ms":4,"result":"error","code":"out_of_range","message":"servo angle 200 out of range 0..180"}"#
        );
    }
}
