//! What every export makes of one record's payload: whether it is a valid message of its family
//! (decoded with the protocol type the family names), the robot's own clock when the message
//! carries one, and, for a payload that is not, a faithful wrapper of the raw bytes. The
//! course game's legacy records are plain text, read with the game's parsers.

use fleet_game::{Inbound, Outbound, ParseError};
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
    /// A plain-text message of the course game's legacy protocol (`INIT 0x...`, `SHOT_BY
    /// 0xf1...`, `FLAG_CATCHED`): exported as its text.
    Text,
    /// Not a valid message of its family: exported raw, flagged with the reason, and counted.
    Unreadable { problem: String },
}

impl Decoded {
    /// A valid message (JSON or legacy text), not an unreadable payload.
    pub fn is_message(&self) -> bool {
        !matches!(self, Decoded::Unreadable { .. })
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
        // The game master's events (`game/...`) are JSON; the legacy protocol is plain text.
        RecordKind::Game if record.topic.starts_with("game/") => {
            serde_json::from_slice::<serde_json::Value>(payload)
                .map(|_| None)
                .map_err(|e| format!("malformed JSON payload: {e}"))
        }
        RecordKind::Game => {
            return match legacy_problem(&record.topic, payload) {
                None => Decoded::Text,
                Some(problem) => Decoded::Unreadable { problem },
            };
        }
    };
    match outcome {
        Ok(robot_ms) => Decoded::Message { robot_ms },
        Err(problem) => Decoded::Unreadable { problem },
    }
}

/// Why a record off a legacy topic is not a message of the game (`None`: it is one), read with
/// the game's own parsers: what a robot sends, or what the master answers.
fn legacy_problem(topic: &str, payload: &[u8]) -> Option<String> {
    match Inbound::parse(topic, payload) {
        // An echo is the master's answer on a topic robots also publish on.
        Ok(_) | Err(ParseError::Echo(_)) => None,
        Err(inbound) => match Outbound::parse(topic, payload) {
            Ok(_) => None,
            Err(_) => Some(format!(
                "not a message of the game's legacy protocol: {inbound}"
            )),
        },
    }
}

/// How a legacy text message travels in JSON (MCAP): its text, so viewers show it as such.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LegacyText {
    /// The message as sent, e.g. `SHOT_BY 0xf1dca632bf91cc`.
    pub text: String,
}

impl LegacyText {
    /// The wrapper of a payload [`decode_record`] found to be [`Decoded::Text`] (so UTF-8).
    pub fn new(payload: &[u8]) -> Self {
        Self {
            text: String::from_utf8_lossy(payload).into_owned(),
        }
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
    fn legacy_game_records_are_text_when_the_games_parsers_read_them() {
        let legacy = |topic: &str, payload: &[u8]| Record {
            robot: None,
            kind: RecordKind::Game,
            at_ms: 1,
            topic: topic.into(),
            payload: payload.to_vec(),
        };
        for (topic, payload) in [
            ("init", "INIT 0xdca632bf91cc"),
            ("tanks/0xdca632bf91cc/shots", "SHOT_BY 0xf1dca632bf9102"),
            ("tanks/0xdca632bf91cc/flag", "ENTER_FLAG_AREA"),
            ("tanks/0xdca632bf91cc/flag", "FLAG_CATCHED"),
            ("tanks/0xdca632bf91cc/init", "TEAM RED"),
            ("tanks/0xdca632bf91cc/shots/in", "SHOT"),
            ("tanks/0xdca632bf91cc/qr_code", "SCAN_SUCCESSFUL"),
        ] {
            let record = legacy(topic, payload.as_bytes());
            assert_eq!(
                decode_record(&record),
                Decoded::Text,
                "{payload} on {topic}"
            );
            assert_eq!(LegacyText::new(&record.payload).text, payload);
        }
        for (topic, payload) in [
            ("init", b"HELLO".as_slice()),
            ("tanks/0xdca632bf91cc/flag", b"DANCE"),
            ("init", &[0xff, 0xfe]),
        ] {
            let decoded = decode_record(&legacy(topic, payload));
            assert!(
                matches!(&decoded, Decoded::Unreadable { problem } if problem.contains("legacy")),
                "{decoded:?}"
            );
        }
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
