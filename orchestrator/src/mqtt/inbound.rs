//! The edge: an MQTT publish becomes a typed [`Incoming`] here, or a counted [`Dropped`].
//! Nothing past this point sees topic strings or raw bytes from robots.

use fleet_protocol::{ProtocolError, Topic, TopicKind, decode};
use serde::Serialize;

use crate::actors::{Incoming, Payload};
use crate::domain::RecordKind;

/// Why a message was dropped; each reason has its own counter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Not `robots/{id}/{status|telemetry|events|ack}`.
    UnknownTopic,
    /// The id level is empty, too long or has forbidden characters.
    BadRobotId,
    /// A topic we subscribe to only by accident of a wildcard (`cmd` is ours to send).
    UnexpectedTopic,
    PayloadTooLarge,
    /// Not JSON, or not the shape of the topic's message.
    MalformedPayload,
    WrongVersion,
    /// A status whose `id` field names another robot than its topic.
    IdMismatch,
}

impl DropReason {
    pub const ALL: [DropReason; 7] = [
        DropReason::UnknownTopic,
        DropReason::BadRobotId,
        DropReason::UnexpectedTopic,
        DropReason::PayloadTooLarge,
        DropReason::MalformedPayload,
        DropReason::WrongVersion,
        DropReason::IdMismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::UnknownTopic => "unknown_topic",
            DropReason::BadRobotId => "bad_robot_id",
            DropReason::UnexpectedTopic => "unexpected_topic",
            DropReason::PayloadTooLarge => "payload_too_large",
            DropReason::MalformedPayload => "malformed_payload",
            DropReason::WrongVersion => "wrong_version",
            DropReason::IdMismatch => "id_mismatch",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A dropped message: the reason for counters, the detail for the (rate-limited) log.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    pub reason: DropReason,
    pub detail: String,
}

impl From<ProtocolError> for Dropped {
    fn from(e: ProtocolError) -> Self {
        let reason = match &e {
            ProtocolError::UnknownTopic(_) => DropReason::UnknownTopic,
            ProtocolError::EmptyId
            | ProtocolError::IdTooLong { .. }
            | ProtocolError::IdBadChar { .. } => DropReason::BadRobotId,
            ProtocolError::PayloadTooLarge { .. } => DropReason::PayloadTooLarge,
            ProtocolError::Version { .. } => DropReason::WrongVersion,
            ProtocolError::Json(_) | ProtocolError::OutOfRange { .. } => {
                DropReason::MalformedPayload
            }
        };
        Dropped {
            reason,
            detail: e.to_string(),
        }
    }
}

/// Parses one publish from a robot.
pub fn parse(topic: &str, payload: &[u8], received_at_ms: i64) -> Result<Incoming, Dropped> {
    let Topic { robot, kind } = Topic::parse(topic)?;
    let payload = match kind {
        TopicKind::Status => {
            let status: fleet_protocol::Status = decode(payload)?;
            if status.id != robot {
                return Err(Dropped {
                    reason: DropReason::IdMismatch,
                    detail: format!("status on {topic} names robot {:?}", status.id.as_str()),
                });
            }
            Payload::Status(status)
        }
        TopicKind::Telemetry => Payload::Telemetry(decode(payload)?),
        TopicKind::Events => Payload::Event(decode(payload)?),
        TopicKind::Ack => Payload::Ack(decode(payload)?),
        TopicKind::Cmd => {
            return Err(Dropped {
                reason: DropReason::UnexpectedTopic,
                detail: format!("{topic} carries commands to robots, not from them"),
            });
        }
    };
    Ok(Incoming {
        robot,
        received_at_ms,
        payload,
    })
}

/// How a valid message is filed in the recording.
pub fn record_kind(payload: &Payload) -> RecordKind {
    match payload {
        Payload::Status(_) => RecordKind::Status,
        Payload::Telemetry(_) => RecordKind::Telemetry,
        Payload::Event(_) => RecordKind::Event,
        Payload::Ack(_) => RecordKind::Ack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_protocol::{Backend, RobotId, Status, Telemetry, encode};

    fn reason(topic: &str, payload: &[u8]) -> DropReason {
        parse(topic, payload, 0).expect_err(topic).reason
    }

    fn birth(id: &str) -> Vec<u8> {
        let id = RobotId::parse(id).unwrap();
        encode(&Status::online(id, "0.1.0", Backend::Sim, vec![], 1))
    }

    #[test]
    fn valid_messages_become_typed_payloads_of_their_robot() {
        let msg = parse("robots/t1/status", &birth("t1"), 7).unwrap();
        assert_eq!(msg.robot.as_str(), "t1");
        assert_eq!(msg.received_at_ms, 7);
        assert!(matches!(msg.payload, Payload::Status(_)));
        let tel = encode(&Telemetry::new(3, 4));
        let msg = parse("robots/t1/telemetry", &tel, 8).unwrap();
        assert!(matches!(msg.payload, Payload::Telemetry(t) if t.seq == 3));
    }

    #[test]
    fn hostile_topics_ids_and_payloads_are_dropped_with_their_reason() {
        let long = format!("robots/{}/status", "a".repeat(65));
        let huge = vec![b' '; fleet_protocol::MAX_PAYLOAD_BYTES + 1];
        let cases: [(&str, &[u8], DropReason); 10] = [
            ("other/t1/status", b"{}", DropReason::UnknownTopic),
            ("robots/t1/selfdestruct", b"{}", DropReason::UnknownTopic),
            ("robots/t1/x/status", b"{}", DropReason::BadRobotId),
            ("robots//status", b"{}", DropReason::BadRobotId),
            (&long, b"{}", DropReason::BadRobotId),
            ("robots/t1/cmd", b"{}", DropReason::UnexpectedTopic),
            ("robots/t1/telemetry", &huge, DropReason::PayloadTooLarge),
            (
                "robots/t1/telemetry",
                b"\xff\xfe not json",
                DropReason::MalformedPayload,
            ),
            (
                "robots/t1/ack",
                br#"{"v":9,"cmd_id":"c","ts_ms":1,"result":"ok"}"#,
                DropReason::WrongVersion,
            ),
            ("robots/t1/status", &birth("t2"), DropReason::IdMismatch),
        ];
        for (topic, payload, expected) in cases {
            assert_eq!(reason(topic, payload), expected, "{topic}");
        }
        assert_eq!(
            reason("robots/t\u{e9}/events", b"{}"),
            DropReason::BadRobotId
        );
    }
}
