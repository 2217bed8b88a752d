//! Replay and retention routes. `GET /api/sessions/{id}/summary` answers a [`SessionSummary`]
//! (span, robots, the moments a timeline jumps to); `GET /api/sessions/{id}/records` a
//! [`RecordPage`] of the records in a time window, keyset-paginated by `(at_ms, id)` (query
//! [`RecordWindow`]); `GET /api/sessions/{id}/export?format=csv|jsonl|mcap&robots=a,b` streams
//! a download. `DELETE /api/sessions/{id}` and `POST /api/sessions/prune` (body
//! [`PruneRequest`]) answer [`SessionsDeleted`].

use serde::{Deserialize, Serialize};

use super::SessionView;

/// A session as a replay opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub session: SessionView,
    /// The first and last record's receive time (`None`: nothing recorded).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Robots with a record in the session, sorted.
    pub robots: Vec<String>,
    /// Estops, releases, line lost, line following started / stopped, mission start and end,
    /// in time order.
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub at_ms: i64,
    /// `None`: fleet-wide (a broadcast estop).
    pub robot: Option<String>,
    /// `estopped`, `released`, `line_lost`, `line_follow_started`, `line_follow_stopped`
    /// (robot events); `estop`, `release` (commands); `mission_started`, `mission_ended`.
    pub what: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<MissionMark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionMark {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub reason: Option<String>,
}

/// The query of `GET /api/sessions/{id}/records`: records received in `[from_ms, to_ms)`
/// strictly after `(after_at_ms, after_id)`, at most `limit` (capped at 10,000), of the
/// robots in `robots` (comma-separated; empty: all) and the fleet-wide ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordWindow {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub after_at_ms: Option<i64>,
    pub after_id: Option<i64>,
    pub limit: Option<u32>,
    pub robots: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordPage {
    pub records: Vec<RecordView>,
    /// Where the next page starts (`after_at_ms`, `after_id`); `None` on the window's last page.
    pub next: Option<PageCursor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCursor {
    pub at_ms: i64,
    pub id: i64,
}

/// One record; `payload` is its JSON, or its bytes as a (lossy) string when it is not JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub id: i64,
    pub at_ms: i64,
    pub robot: Option<String>,
    /// `status`, `telemetry`, `event`, `command`, `ack`, `state`.
    pub kind: String,
    pub topic: String,
    pub payload: serde_json::Value,
}

/// Deletes the stopped sessions that stopped more than `older_than_ms` ago. With `dry_run`,
/// only says which they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneRequest {
    pub older_than_ms: i64,
    #[serde(default)]
    pub dry_run: bool,
}

/// What a delete or a prune removed (or, for a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsDeleted {
    pub sessions: Vec<SessionView>,
    pub records: u64,
    pub bytes: u64,
    pub dry_run: bool,
    /// The database file's pages before and after giving the freed ones back (0 for a dry run).
    pub pages_before: u64,
    pub pages_after: u64,
}
