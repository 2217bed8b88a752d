//! The one error type of the protocol crate: everything that can be wrong with bytes off the wire.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ProtocolError {
    #[error("robot id is empty")]
    EmptyId,
    #[error("robot id is {len} bytes long, the limit is {max}")]
    IdTooLong { len: usize, max: usize },
    #[error(
        "robot id {id:?} contains {ch:?}; only ASCII letters, digits, '-', '_', '.' and ':' are allowed"
    )]
    IdBadChar { id: String, ch: char },
    #[error("payload is {len} bytes, the limit is {max}")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("malformed JSON payload: {0}")]
    Json(String),
    #[error("unsupported protocol version {got} (this build speaks {expected})")]
    Version { got: u32, expected: u32 },
    #[error("topic {0:?} is not part of the protocol")]
    UnknownTopic(String),
    #[error("{field} = {value} is out of range {min}..{max}")]
    OutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
}
