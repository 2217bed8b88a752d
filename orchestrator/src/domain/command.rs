//! What a command sent to a robot (or to the whole fleet) came to, as the one answer its
//! caller gets.

use fleet_protocol::{Ack, CommandId, ErrorCode, RobotId};
use serde::{Deserialize, Serialize};

/// The one answer a caller gets for a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// The robot executed it (the ack, with its robot-side timestamp).
    Acked(Ack),
    /// The robot refused it, saying why.
    Rejected { code: ErrorCode, message: String },
    /// No ack within the ack timeout.
    TimedOut,
    /// The robot is offline (its last will or shutdown status arrived): nothing was sent, or
    /// it went offline before answering.
    RobotOffline,
    /// No robot with this id was ever seen.
    UnknownRobot,
    /// The command could not be sent or followed (the MQTT queue is full, the robot's actor
    /// crashed while waiting).
    Failed { reason: String },
}

/// The outcome of a command broadcast on `fleet/cmd`, per known robot, sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BroadcastOutcome {
    pub cmd_id: CommandId,
    pub outcomes: Vec<(RobotId, CommandOutcome)>,
}
