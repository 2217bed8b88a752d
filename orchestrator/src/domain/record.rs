//! One row of a session's recording: what arrived (or was sent), from which robot, when.

use fleet_protocol::RobotId;

/// What a record holds. Stored as text in the `records.kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A `robots/{id}/status` payload as received.
    Status,
    Telemetry,
    Event,
    /// A command the orchestrator published (to one robot, or to `fleet/cmd` with robot "*").
    Command,
    Ack,
    /// A state change the orchestrator derived (online, offline, stale), as JSON.
    State,
}

impl RecordKind {
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Status,
        RecordKind::Telemetry,
        RecordKind::Event,
        RecordKind::Command,
        RecordKind::Ack,
        RecordKind::State,
    ];

    /// The inverse of [`RecordKind::as_str`], for rows read back from the store.
    pub fn parse(raw: &str) -> Option<RecordKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Status => "status",
            RecordKind::Telemetry => "telemetry",
            RecordKind::Event => "event",
            RecordKind::Command => "command",
            RecordKind::Ack => "ack",
            RecordKind::State => "state",
        }
    }
}

/// A raw payload with its receive time, so a session can be replayed faithfully.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `None` for fleet-wide records (a broadcast command).
    pub robot: Option<RobotId>,
    pub kind: RecordKind,
    /// Orchestrator clock when received or sent, Unix milliseconds.
    pub at_ms: i64,
    pub topic: String,
    pub payload: Vec<u8>,
}
