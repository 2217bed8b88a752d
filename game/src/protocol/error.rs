//! The one error type for bytes off the legacy topics; each has a short reason to count drops by.

use thiserror::Error;

use fleet_protocol::ProtocolError;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ParseError {
    #[error("payload is {len} bytes, the limit is {max}")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("payload is not UTF-8")]
    NotUtf8,
    #[error("topic {0:?} is not part of the game protocol")]
    UnknownTopic(String),
    #[error("robot id {id:?} refused: {source}")]
    BadId {
        id: String,
        #[source]
        source: ProtocolError,
    },
    #[error("empty payload on {topic}")]
    EmptyPayload { topic: &'static str },
    #[error("{verb:?} is not a message of {topic}")]
    UnknownVerb { topic: &'static str, verb: String },
    #[error("{verb} needs an argument")]
    MissingArgument { verb: &'static str },
    #[error("shot {0:?} is not 0x<weapon byte><shooter MAC>")]
    BadShot(String),
    #[error("weapon 0x{0:02x} is not known (the course has only 0xf1, the laser)")]
    UnknownWeapon(u8),
    #[error("{0} is the game master's own answer, heard back on a topic it subscribes to")]
    Echo(&'static str),
}

impl ParseError {
    /// A stable name for counting drops by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            ParseError::PayloadTooLarge { .. } => "payload_too_large",
            ParseError::NotUtf8 => "not_utf8",
            ParseError::UnknownTopic(_) => "unknown_topic",
            ParseError::BadId { .. } => "bad_id",
            ParseError::EmptyPayload { .. } => "empty_payload",
            ParseError::UnknownVerb { .. } => "unknown_verb",
            ParseError::MissingArgument { .. } => "missing_argument",
            ParseError::BadShot(_) => "bad_shot",
            ParseError::UnknownWeapon(_) => "unknown_weapon",
            ParseError::Echo(_) => "echo",
        }
    }
}
