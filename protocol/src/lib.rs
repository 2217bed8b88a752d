//! The wire protocol between robot agents and the orchestrator.
//!
//! This crate is the only place that knows topic strings and payload shapes: both binaries
//! build topics with [`topic`] and turn bytes into typed messages with [`codec::decode`].
//! It also owns the broker URL convention ([`BrokerAddress`]). It performs no I/O;
//! `docs/protocol.md` describes the same protocol for humans.

pub mod ack;
pub mod backoff;
pub mod broker_url;
pub mod codec;
pub mod command;
pub mod error;
pub mod event;
pub mod heartbeat;
pub mod robot_id;
pub mod status;
pub mod student_topic;
pub mod telemetry;
pub mod timing;
pub mod topic;

pub use ack::{Ack, AckResult, ErrorCode};
pub use backoff::Backoff;
pub use broker_url::{BrokerAddress, BrokerUrlError, Credentials, DEFAULT_MQTT_PORT};
pub use codec::{MAX_PAYLOAD_BYTES, decode, encode};
pub use command::{Command, CommandId, CommandKind, Joint};
pub use error::ProtocolError;
pub use event::{Event, EventKind, LineSensor};
pub use heartbeat::Heartbeat;
pub use robot_id::RobotId;
pub use status::{Backend, Capability, RobotState, Status};
pub use telemetry::{LedColour, LineReading, MotorOutput, Pose, RobotMode, ServoAngles, Telemetry};
pub use timing::{DEADMAN_DEFAULT, DRIVE_REPEAT, HEARTBEAT_PERIOD, LEASE_DEFAULT};
pub use topic::{Topic, TopicKind};

/// Version carried in every payload's `v` field. Bumped on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 1;

/// Implemented by every payload type so the codec can check the `v` field in one place.
pub trait Versioned {
    fn version(&self) -> u32;
}
