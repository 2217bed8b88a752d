//! `robots/{id}/cmd` and `fleet/cmd`: commands, each with an id that its ack repeats.
//!
//! [`Command::parse`] recovers the command id even from a command it rejects, so the agent
//! can answer "error" on the right id instead of leaving the sender waiting.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::codec::{check_size, check_version};
use crate::robot_id::validate_token;
use crate::{PROTOCOL_VERSION, ProtocolError, Versioned};

/// Caller-chosen command id (same character rules as robot ids), echoed in the ack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct CommandId(String);

impl CommandId {
    pub fn parse(raw: &str) -> Result<Self, ProtocolError> {
        validate_token(raw)?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CommandId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// The servo joints of the RaspTank (camera tilt and the 4-joint arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Joint {
    CameraTilt,
    Arm,
    Forearm,
    Wrist,
    Claw,
}

impl Joint {
    pub const ALL: [Joint; 5] = [
        Joint::CameraTilt,
        Joint::Arm,
        Joint::Forearm,
        Joint::Wrist,
        Joint::Claw,
    ];

    /// The wire name (`camera_tilt`, `arm`, ...), the same as serde's.
    pub fn as_str(self) -> &'static str {
        match self {
            Joint::CameraTilt => "camera_tilt",
            Joint::Arm => "arm",
            Joint::Forearm => "forearm",
            Joint::Wrist => "wrist",
            Joint::Claw => "claw",
        }
    }
}

/// Angles outside this are rejected by the protocol; each robot may narrow it per joint.
pub const SERVO_ANGLE_RANGE: (f32, f32) = (0.0, 180.0);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandKind {
    /// Drive: `speed` forward (-1..1), `turn` to the right (-1..1). Must be repeated faster
    /// than the agent's dead-man timeout (500 ms by default) or the robot stops.
    Drive { speed: f32, turn: f32 },
    /// Stop the motors and any behaviour.
    Stop,
    /// Move one servo to an angle in degrees.
    Servo { joint: Joint, angle: f32 },
    /// Set every LED to one colour.
    Led { r: u8, g: u8, b: u8 },
    /// Start the on-robot line following at `speed` (0..1).
    LineFollow { speed: f32 },
    /// Emergency stop: stop now and refuse motion until `release`.
    Estop,
    /// Lift an emergency stop.
    Release,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Command {
    pub v: u32,
    pub id: CommandId,
    #[serde(flatten)]
    pub kind: CommandKind,
}

/// A command that was refused, with its id when one could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedCommand {
    pub id: Option<CommandId>,
    pub error: ProtocolError,
}

impl Command {
    pub fn new(id: CommandId, kind: CommandKind) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            id,
            kind,
        }
    }

    /// Decodes and validates a command payload.
    pub fn parse(bytes: &[u8]) -> Result<Self, RejectedCommand> {
        let reject = |id, error| RejectedCommand { id, error };
        check_size(bytes).map_err(|e| reject(None, e))?;
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| reject(None, ProtocolError::Json(e.to_string())))?;
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(|s| CommandId::parse(s).ok());
        let cmd: Command = serde_json::from_value(value)
            .map_err(|e| reject(id.clone(), ProtocolError::Json(e.to_string())))?;
        check_version(cmd.v).map_err(|e| reject(id.clone(), e))?;
        cmd.kind.validate().map_err(|e| reject(id, e))?;
        Ok(cmd)
    }
}

impl CommandKind {
    /// The wire name of the command (its `kind` tag), for logs and views.
    pub fn name(&self) -> &'static str {
        match self {
            CommandKind::Drive { .. } => "drive",
            CommandKind::Stop => "stop",
            CommandKind::Servo { .. } => "servo",
            CommandKind::Led { .. } => "led",
            CommandKind::LineFollow { .. } => "line_follow",
            CommandKind::Estop => "estop",
            CommandKind::Release => "release",
        }
    }

    /// Checks ranges the protocol fixes; per-robot limits (servo travel) are the agent's job.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        match *self {
            CommandKind::Drive { speed, turn } => {
                in_range("speed", speed, -1.0, 1.0)?;
                in_range("turn", turn, -1.0, 1.0)
            }
            CommandKind::Servo { angle, .. } => {
                in_range("angle", angle, SERVO_ANGLE_RANGE.0, SERVO_ANGLE_RANGE.1)
            }
            CommandKind::LineFollow { speed } => in_range("speed", speed, 0.0, 1.0),
            CommandKind::Stop
            | CommandKind::Led { .. }
            | CommandKind::Estop
            | CommandKind::Release => Ok(()),
        }
    }

    /// Whether this command makes the robot move (refused while estopped).
    pub fn is_motion(&self) -> bool {
        matches!(
            self,
            CommandKind::Drive { .. } | CommandKind::LineFollow { .. }
        )
    }
}

fn in_range(field: &'static str, value: f32, min: f32, max: f32) -> Result<(), ProtocolError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ProtocolError::OutOfRange {
            field,
            value: value as f64,
            min: min as f64,
            max: max as f64,
        })
    }
}

impl Versioned for Command {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    fn id(s: &str) -> CommandId {
        CommandId::parse(s).unwrap()
    }

    #[test]
    fn joint_names_are_the_serde_names() {
        for joint in Joint::ALL {
            let json = serde_json::to_string(&joint).unwrap();
            assert_eq!(json, format!("\"{}\"", joint.as_str()));
        }
    }

    #[test]
    fn command_names_are_the_serde_kind_tags() {
        let kinds = [
            CommandKind::Drive {
                speed: 0.1,
                turn: 0.0,
            },
            CommandKind::Stop,
            CommandKind::Servo {
                joint: Joint::Arm,
                angle: 90.0,
            },
            CommandKind::Led { r: 1, g: 2, b: 3 },
            CommandKind::LineFollow { speed: 0.5 },
            CommandKind::Estop,
            CommandKind::Release,
        ];
        for kind in kinds {
            let value = serde_json::to_value(&kind).unwrap();
            assert_eq!(value["kind"], kind.name());
        }
    }

    #[test]
    fn every_command_kind_round_trips() {
        let kinds = [
            CommandKind::Drive {
                speed: 0.5,
                turn: -0.2,
            },
            CommandKind::Stop,
            CommandKind::Servo {
                joint: Joint::Claw,
                angle: 90.0,
            },
            CommandKind::Led {
                r: 255,
                g: 0,
                b: 10,
            },
            CommandKind::LineFollow { speed: 0.6 },
            CommandKind::Estop,
            CommandKind::Release,
        ];
        for kind in kinds {
            let cmd = Command::new(id("c1"), kind);
            assert_round_trip(&cmd);
            assert_eq!(Command::parse(&crate::encode(&cmd)).unwrap(), cmd);
        }
    }

    #[test]
    fn the_wire_shape_is_flat() {
        let cmd = Command::new(
            id("42"),
            CommandKind::Drive {
                speed: 0.5,
                turn: 0.0,
            },
        );
        assert_eq!(
            String::from_utf8(crate::encode(&cmd)).unwrap(),
            r#"{"v":1,"id":"42","kind":"drive","speed":0.5,"turn":0.0}"#
        );
    }

    #[test]
    fn an_out_of_range_servo_angle_is_rejected_with_its_id_and_a_clear_reason() {
        let bad = br#"{"v":1,"id":"c7","kind":"servo","joint":"arm","angle":200}"#;
        let err = Command::parse(bad).unwrap_err();
        assert_eq!(err.id, Some(id("c7")));
        assert_eq!(err.error.to_string(), "angle = 200 is out of range 0..180");
    }

    #[test]
    fn an_unknown_kind_keeps_its_id() {
        let err = Command::parse(br#"{"v":1,"id":"c8","kind":"fly"}"#).unwrap_err();
        assert_eq!(err.id, Some(id("c8")));
        assert!(
            err.error.to_string().contains("unknown variant `fly`"),
            "{}",
            err.error
        );
    }

    #[test]
    fn garbage_has_no_id() {
        for bad in [
            &b"not json"[..],
            b"{}",
            b"[1,2]",
            br#"{"id":"a/b","kind":"stop","v":1}"#,
        ] {
            let err = Command::parse(bad).unwrap_err();
            assert_eq!(err.id, None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn nan_and_infinite_speeds_are_rejected() {
        assert!(
            CommandKind::Drive {
                speed: f32::NAN,
                turn: 0.0
            }
            .validate()
            .is_err()
        );
        assert!(
            CommandKind::Drive {
                speed: 0.0,
                turn: f32::INFINITY
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn an_oversized_payload_is_refused_before_parsing() {
        let huge = vec![b' '; crate::MAX_PAYLOAD_BYTES + 1];
        assert!(matches!(
            Command::parse(&huge).unwrap_err().error,
            ProtocolError::PayloadTooLarge { .. }
        ));
    }
}
