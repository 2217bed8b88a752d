//! Recording: batches records into SQLite off the actors' hot path.
//!
//! Actors hold a [`RecorderHandle`] and call [`RecorderHandle::record`], which never waits: a
//! bounded queue feeds one writer task that commits every `flush_interval` or `batch_rows`.
//! Policies, in short (docs/recording.md has the long form):
//! - A full queue drops the new record and counts it (`dropped`), with a warning at most once
//!   a second; the drop is also added to the session's `dropped` column.
//! - A failed write keeps its rows and retries with exponential backoff (`write_errors`); while
//!   the store fails, up to `max_pending_rows` are held, and records past that are discarded
//!   and counted (`lost`). Nothing is discarded silently.
//! - There is always a running session: [`Recorder::spawn`] opens an idle session
//!   (`idle_session_name`, "serve" by default); `start_session` replaces it with a named one,
//!   `stop_session` ends the named one and opens a fresh idle session. So every record belongs
//!   to a session, and a replay of a named session holds exactly what happened during it.

mod config;
mod handle;
mod stats;
mod writer;

#[cfg(test)]
mod tests;

/// What the recorder takes, from the domain layer (named here for the recorder's callers).
pub use crate::domain::{Record, RecordKind};
pub use config::RecorderConfig;
pub use handle::{RecorderError, RecorderHandle};
pub use stats::RecorderStats;
pub use writer::Recorder;
