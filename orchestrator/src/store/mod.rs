//! The only place that writes SQL. One writer connection (SQLite allows one writer at a time,
//! so queueing writers in the pool beats SQLITE_BUSY) plus a small read-only pool; the schema
//! lives in the top-level `migrations/` and is applied on open.

mod credentials;
mod direct_read;
mod error;
mod grades;
mod groups;
mod import;
mod marked_runs;
mod missions;
mod raw_rows;
mod read_only;
mod record_stream;
mod record_window;
mod records;
mod retention;
mod robots;
mod roster;
mod run_rows;
mod session_summary;
mod sessions;
mod state_saver;
mod telemetry_packs;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

/// The ids the store's rows carry, from the domain layer (named here for the store's callers).
pub use crate::domain::{GroupName, MissionId, SessionId};
pub use credentials::RobotCredentialRow;
pub use direct_read::{DirectPack, DirectReader, DirectRow, SessionIds, SessionPacks};
pub use error::StoreError;
pub use grades::{GradeOverride, MissionRun, NewGrade, StoredGrade};
pub use groups::{Group, GroupError};
pub use import::ImportedSession;
pub use marked_runs::{MarkedRun, MarkedRunError};
pub use missions::{MissionRecord, NewMission, Transition};
pub use record_stream::{PageReader, RecordPages, RecordQuery};
pub use record_window::{MAX_WINDOW_ROWS, WindowQuery};
pub use records::{RecordFilter, ReplayCursor, StoredRecord};
pub use retention::{Deleted, RetentionError, SessionSize};
pub use robots::RobotRow;
pub use roster::{StudentRow, StudentWrite};
pub use run_rows::RunRow;
pub use session_summary::{Mark, MissionMark, SessionSummary};
pub use sessions::Session;
pub use state_saver::RobotStateSaver;

/// How the database file is opened. `Default` suits the orchestrator; tests shorten the timeout.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a statement waits for a lock held by another connection before failing.
    pub busy_timeout: Duration,
    /// Connections in the read-only pool (the dashboard, replays, exports).
    pub read_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
        }
    }
}

/// A handle on the database; cheap to clone (two pools behind `Arc`s).
#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl Store {
    /// Opens (creating it if missing) the database file in WAL mode and applies migrations.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, &StoreOptions::default()).await
    }

    pub async fn open_with(path: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let base = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true)
            // NORMAL is durable across application crashes in WAL; only a power cut can lose the
            // last transactions, and it never corrupts the file.
            .synchronous(SqliteSynchronous::Normal);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    // Only takes effect on a new file: deleted sessions' pages can then be
                    // given back with a cheap `incremental_vacuum` (see retention.rs).
                    .auto_vacuum(SqliteAutoVacuum::Incremental)
                    .journal_mode(SqliteJournalMode::Wal),
            )
            .await
            .map_err(open_err)?;
        sqlx::migrate!("../migrations").run(&writer).await?;
        // Opened after the writer so the file exists, is in WAL mode and has its schema.
        let reader = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .connect_with(base.read_only(true))
            .await
            .map_err(open_err)?;
        Ok(Store { writer, reader })
    }

    /// A private in-memory database for unit tests: one connection that never idles out
    /// (each `:memory:` connection would be its own empty database).
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(StoreError::query("parsing the in-memory database URL"))?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        sqlx::migrate!("../migrations").run(&pool).await?;
        Ok(Store {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// A write transaction on the writer, taking SQLite's write lock at BEGIN: a deferred one
    /// that reads first could fail with SQLITE_BUSY when it upgrades. `what` names the
    /// operation in the error.
    async fn begin_immediate(
        &self,
        what: &'static str,
    ) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::query(what))
    }

    /// The journal mode in force (`wal` for a file store), for diagnostics and tests.
    pub async fn journal_mode(&self) -> Result<String, StoreError> {
        sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::query("reading the journal mode"))
    }

    /// Runs one statement on the writer: for tests elsewhere in the crate that put a file into
    /// a state only another program (or damage) would leave it in.
    #[cfg(test)]
    pub(crate) async fn execute_for_tests(&self, sql: &'static str) {
        sqlx::query(sql).execute(&self.writer).await.unwrap();
    }

    /// Waits for queries in flight, then closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_file_gets_the_schema_and_runs_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.exists());
        assert_eq!(store.journal_mode().await.unwrap(), "wal");
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
        )
        .fetch_all(&store.reader)
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "grade_overrides",
                "grades",
                "marked_runs",
                "mission_transitions",
                "missions",
                "records",
                "robot_credentials",
                "robot_group_members",
                "robot_groups",
                "robots",
                "session_sizes",
                "sessions",
                "students",
                "telemetry_packs"
            ]
        );
    }

    #[tokio::test]
    async fn reopening_a_file_keeps_its_data_and_applies_no_migration_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let session = store.start_session("first", 1_000).await.unwrap();
        let applied_first = migrations_applied(&store).await;
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        let again = store.get_session(session.id).await.unwrap();
        assert_eq!(again, Some(session));
        assert_eq!(migrations_applied(&store).await, applied_first);
    }

    async fn migrations_applied(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&store.reader)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_read_pool_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("fleet.db")).await.unwrap();
        let attempt = sqlx::query("INSERT INTO sessions (name, started_at_ms) VALUES ('x', 1)")
            .execute(&store.reader)
            .await;
        let err = attempt.expect_err("a read connection accepted a write");
        assert!(err.to_string().contains("readonly"), "{err}");
    }
}
