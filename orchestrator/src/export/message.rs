//! What every export makes of one record's payload: whether it is a valid message of its family
//! (decoded with the protocol type the family names), the robot's own clock when the message
//! carries one, and, for a payload that is not, a faithful wrapper of the raw bytes.

use fleet_protocol::{Ack, Command, Event, Status, Telemetry, Versioned, decode};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::schema::StateChange;
use crate::domain::{Record, RecordKind};

/// The outcome of reading one record's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// The payload is a valid message of its family: exported as the JSON it already is.
    Message {
        /// The robot's clock (`ts_ms`, Unix ms) for the families that carry one.
        robot_ms: Option<u64>,
    },
    /// Not a valid message of its family: exported raw, flagged with the reason, and counted.
    Unreadable { problem: String },
}

impl Decoded {
    pub fn is_message(&self) -> bool {
        matches!(self, Decoded::Message { .. })
    }
}

/// Decodes `record`'s payload as the type of its family (`Telemetry` for telemetry, ...).
pub fn decode_record(record: &Record) -> Decoded {
    let payload = record.payload.as_slice();
    let outcome = match record.kind {
        RecordKind::Telemetry => typed::<Telemetry>(payload, |t| Some(t.ts_ms)),
        RecordKind::Event => typed::<Event>(payload, |e| Some(e.ts_ms)),
        RecordKind::Status => typed::<Status>(payload, |s| Some(s.ts_ms)),
        RecordKind::Ack => typed::<Ack>(payload, |a| Some(a.ts_ms)),
        // The same checks the agent applies, so an export flags what a robot would refuse.
        RecordKind::Command => Command::parse(payload)
            .map(|_| None)
            .map_err(|rejected| rejected.error.to_string()),
        RecordKind::State => serde_json::from_slice::<StateChange>(payload)
            .map(|_| None)
            .map_err(|e| format!("malformed JSON payload: {e}")),
    };
    match outcome {
        Ok(robot_ms) => Decoded::Message { robot_ms },
        Err(problem) => Decoded::Unreadable { problem },
    }
}

fn typed<T: DeserializeOwned + Versioned>(
    payload: &[u8],
    clock: impl FnOnce(&T) -> Option<u64>,
) -> Result<Option<u64>, String> {
    decode::<T>(payload)
        .map(|msg| clock(&msg))
        .map_err(|e| e.to_string())
}

/// How an unreadable payload travels in JSON (JSON Lines, MCAP): why it was refused, and its
/// bytes exactly, as text when they are UTF-8 and as hex otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unreadable {
    /// Why the payload is not a valid message of its family.
    pub problem: String,
    /// The payload, when it is valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_utf8: Option<String>,
    /// The payload as lowercase hex, when it is not valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_hex: Option<String>,
}

impl Unreadable {
    pub fn new(problem: &str, payload: &[u8]) -> Self {
        let (payload_utf8, payload_hex) = match std::str::from_utf8(payload) {
            Ok(text) => (Some(text.to_owned()), None),
            Err(_) => (None, Some(to_hex(payload))),
        };
        Self {
            problem: problem.to_owned(),
            payload_utf8,
            payload_hex,
        }
    }

    /// The original payload bytes back.
    pub fn payload(&self) -> Result<Vec<u8>, String> {
        match (&self.payload_utf8, &self.payload_hex) {
            (Some(text), None) => Ok(text.clone().into_bytes()),
            (None, Some(hex)) => from_hex(hex),
            _ => Err(
                "an unreadable payload needs exactly one of payload_utf8 and payload_hex".into(),
            ),
        }
    }
}

pub(super) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

fn from_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("{:?} is not a hex digit", c as char)),
    };
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(format!("hex payload has an odd length ({})", bytes.len()));
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_protocol::{EventKind, RobotId, encode};

    fn record(kind: RecordKind, payload: Vec<u8>) -> Record {
        let robot = RobotId::parse("t1").unwrap();
        Record {
            topic: fleet_protocol::topic::events(&robot),
            robot: Some(robot),
            kind,
            at_ms: 1,
            payload,
        }
    }

    #[test]
    fn a_valid_message_gives_the_robot_clock_of_its_family() {
        let event = encode(&Event::new(3, 1_234, EventKind::LineLost));
        assert_eq!(
            decode_record(&record(RecordKind::Event, event.clone())),
            Decoded::Message {
                robot_ms: Some(1_234)
            }
        );
        let state = br#"{"from":"online","to":"stale","reason":"no telemetry"}"#.to_vec();
        assert_eq!(
            decode_record(&record(RecordKind::State, state)),
            Decoded::Message { robot_ms: None }
        );
        // An event payload filed as telemetry is not telemetry.
        assert!(!decode_record(&record(RecordKind::Telemetry, event)).is_message());
    }

    #[test]
    fn an_unreadable_payload_says_why_and_keeps_its_bytes() {
        let Decoded::Unreadable { problem } =
            decode_record(&record(RecordKind::Telemetry, b"{\"seq\":".to_vec()))
        else {
            panic!("truncated JSON decoded");
        };
        assert!(problem.contains("JSON"), "{problem}");
        for payload in [b"{\"seq\":".to_vec(), vec![0xff, 0x00, 0x7f, 0xab]] {
            let wrapped = Unreadable::new(&problem, &payload);
            let json = serde_json::to_string(&wrapped).unwrap();
            let back: Unreadable = serde_json::from_str(&json).unwrap();
            assert_eq!(back.payload().unwrap(), payload);
        }
        assert_eq!(
            Unreadable::new("x", &[0xff, 0x0a]).payload_hex.as_deref(),
            Some("ff0a")
        );
    }

    #[test]
    fn bad_hex_is_an_error_not_a_panic() {
        for hex in ["abc", "zz", "0é"] {
            let bad = Unreadable {
                problem: String::new(),
                payload_utf8: None,
                payload_hex: Some(hex.into()),
            };
            assert!(bad.payload().is_err(), "{hex}");
        }
    }
}
