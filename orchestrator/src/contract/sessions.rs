//! `GET /api/sessions` answers a list of [`SessionView`]s, newest first; `POST /api/sessions`
//! (body [`StartSession`]) and `POST /api/sessions/stop` answer the session started or stopped.

use serde::{Deserialize, Serialize};

use crate::domain::SessionId;

/// A recording session as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: SessionId,
    pub name: String,
    pub started_at_ms: i64,
    pub stopped_at_ms: Option<i64>,
    pub running: bool,
    /// Records stored for the session so far.
    pub records: u64,
    /// Records the recorder had to drop during it (non-zero: the recording has gaps).
    pub dropped: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartSession {
    pub name: String,
}
