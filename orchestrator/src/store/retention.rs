//! Retention: how much each session takes, deleting a session (never the running one) or every
//! session older than a cutoff, and giving the freed pages back to the file system so the
//! database does not grow without bound.
//!
//! Deletes go in batches of [`DELETE_BATCH`] rows, one short write transaction each, so the
//! recorder of a running server waits milliseconds, not the length of a whole session.

use thiserror::Error;

use super::{Session, SessionId, Store, StoreError};

/// Rows deleted per write transaction.
pub const DELETE_BATCH: i64 = 20_000;
/// Bytes a record row takes beyond its topic and payload (row header, ids, times, kind, and its
/// entries in the indexes: 64), and its share of the telemetry packs grading reads (46, measured
/// on a class's hour: 102 MB of packs for 2.2 million rows): an estimate, so sizes add up to
/// roughly the file size.
pub const ROW_OVERHEAD_BYTES: u64 = 110;

/// How much one session holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionSize {
    pub records: u64,
    /// Topic and payload bytes plus [`ROW_OVERHEAD_BYTES`] per record.
    pub bytes: u64,
}

#[derive(Debug, Error)]
pub enum RetentionError {
    #[error("there is no session {0}")]
    NoSession(SessionId),
    #[error("session {0} is recording; stop it first (`orchestrator sessions stop`)")]
    Running(SessionId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a delete freed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deleted {
    pub sessions: Vec<Session>,
    pub records: u64,
}

fn size(records: i64, bytes: Option<i64>) -> SessionSize {
    let records = u64::try_from(records).unwrap_or(0);
    let bytes = u64::try_from(bytes.unwrap_or(0)).unwrap_or(0) + records * ROW_OVERHEAD_BYTES;
    SessionSize { records, bytes }
}

impl Store {
    /// The size of every session that has records: one row per session from the counts that
    /// migration 0013's triggers keep, or, on a file from before it (opened read-only, so not
    /// migrated), one pass over the records.
    pub async fn session_sizes(&self) -> Result<Vec<(SessionId, SessionSize)>, StoreError> {
        let sql = if self.has_size_counts().await? {
            "SELECT session_id, records, bytes FROM session_sizes WHERE records > 0 \
             ORDER BY session_id"
        } else {
            "SELECT session_id, COUNT(*), SUM(length(payload) + length(topic)) FROM records \
             GROUP BY session_id ORDER BY session_id"
        };
        let rows: Vec<(SessionId, i64, i64)> = sqlx::query_as(sql)
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::query("measuring the sessions"))?;
        Ok(rows
            .into_iter()
            .map(|(id, records, bytes)| (id, size(records, Some(bytes))))
            .collect())
    }

    /// The size of one session.
    pub async fn session_size(&self, id: SessionId) -> Result<SessionSize, StoreError> {
        let sql = if self.has_size_counts().await? {
            "SELECT COALESCE(SUM(records), 0), SUM(bytes) FROM session_sizes WHERE session_id = ?"
        } else {
            "SELECT COUNT(*), SUM(length(payload) + length(topic)) FROM records \
             WHERE session_id = ?"
        };
        let (records, bytes): (i64, Option<i64>) = sqlx::query_as(sql)
            .bind(id)
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::query("measuring a session"))?;
        Ok(size(records, bytes))
    }

    /// Whether the file has the `session_sizes` counts (migration 0013).
    async fn has_size_counts(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema \
             WHERE type = 'table' AND name = 'session_sizes')",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(StoreError::query("looking for the session sizes"))
    }

    /// Deletes a stopped session and its records. The running session is refused.
    pub async fn delete_session(&self, id: SessionId) -> Result<Deleted, RetentionError> {
        let session = self
            .get_session(id)
            .await?
            .ok_or(RetentionError::NoSession(id))?;
        if session.is_running() {
            return Err(RetentionError::Running(id));
        }
        let records = self.delete_stopped(id).await?;
        Ok(Deleted {
            sessions: vec![session],
            records,
        })
    }

    /// The stopped sessions that stopped before `cutoff_ms`, oldest first (what a prune deletes).
    pub async fn sessions_stopped_before(
        &self,
        cutoff_ms: i64,
    ) -> Result<Vec<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "SELECT id, name, started_at_ms, stopped_at_ms, dropped FROM sessions \
             WHERE stopped_at_ms IS NOT NULL AND stopped_at_ms < ? ORDER BY started_at_ms, id",
        )
        .bind(cutoff_ms)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("listing old sessions"))
    }

    /// Deletes every session [`Store::sessions_stopped_before`] lists.
    pub async fn prune_sessions(&self, cutoff_ms: i64) -> Result<Deleted, StoreError> {
        let mut deleted = Deleted::default();
        for session in self.sessions_stopped_before(cutoff_ms).await? {
            deleted.records += self.delete_stopped(session.id).await?;
            deleted.sessions.push(session);
        }
        Ok(deleted)
    }

    /// Deletes the records in batches, then the row; the `stopped_at_ms IS NOT NULL` guards
    /// make sure a session that was somehow restarted meanwhile is left alone.
    async fn delete_stopped(&self, id: SessionId) -> Result<u64, StoreError> {
        let mut records = 0;
        loop {
            let gone = sqlx::query(
                "DELETE FROM records WHERE id IN (SELECT id FROM records WHERE session_id = ? \
                 LIMIT ?) AND EXISTS (SELECT 1 FROM sessions WHERE id = ? \
                 AND stopped_at_ms IS NOT NULL)",
            )
            .bind(id)
            .bind(DELETE_BATCH)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("deleting a session's records"))?
            .rows_affected();
            records += gone;
            if gone < DELETE_BATCH as u64 {
                break;
            }
        }
        sqlx::query("DELETE FROM sessions WHERE id = ? AND stopped_at_ms IS NOT NULL")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("deleting a session"))?;
        Ok(records)
    }

    /// Gives free pages back to the file system: `PRAGMA incremental_vacuum` on a file created
    /// with `auto_vacuum = INCREMENTAL` (every file this version creates), a full `VACUUM` on an
    /// older one (which also switches it to incremental, so the next time is cheap). Returns the
    /// file's page count before and after.
    pub async fn reclaim_space(&self) -> Result<(u64, u64), StoreError> {
        let before = self.page_count().await?;
        let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum")
            .fetch_one(&self.writer)
            .await
            .map_err(StoreError::query("reading the auto-vacuum mode"))?;
        if mode == 2 {
            sqlx::query("PRAGMA incremental_vacuum")
                .execute(&self.writer)
                .await
                .map_err(StoreError::query("freeing pages"))?;
        } else {
            // Takes effect with the VACUUM that follows (SQLite needs one to change the mode).
            sqlx::query("PRAGMA auto_vacuum = INCREMENTAL")
                .execute(&self.writer)
                .await
                .map_err(StoreError::query("setting the auto-vacuum mode"))?;
            sqlx::query("VACUUM")
                .execute(&self.writer)
                .await
                .map_err(StoreError::query("vacuuming the database"))?;
        }
        Ok((before, self.page_count().await?))
    }

    async fn page_count(&self) -> Result<u64, StoreError> {
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&self.writer)
            .await
            .map_err(StoreError::query("reading the page count"))?;
        Ok(u64::try_from(pages).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::RobotId;

    use super::*;
    use crate::recorder::{Record, RecordKind};

    fn rows(session: SessionId, n: usize) -> Vec<(SessionId, Record)> {
        let robot = RobotId::parse("t1").unwrap();
        (0..n)
            .map(|i| {
                let record = Record {
                    topic: fleet_protocol::topic::telemetry(&robot),
                    robot: Some(robot.clone()),
                    kind: RecordKind::Telemetry,
                    at_ms: i as i64,
                    payload: vec![b'x'; 300],
                };
                (session, record)
            })
            .collect()
    }

    #[tokio::test]
    async fn sizes_count_each_session_and_the_running_one_cannot_be_deleted() {
        let store = Store::open_in_memory().await.unwrap();
        let old = store.start_session("old", 0).await.unwrap().id;
        store.insert_records(&rows(old, 10)).await.unwrap();
        let running = store.start_session("now", 100).await.unwrap().id;
        store.insert_records(&rows(running, 3)).await.unwrap();
        let sizes = store.session_sizes().await.unwrap();
        let topic = "robots/t1/telemetry".len() as u64;
        assert!(sizes.contains(&(
            old,
            SessionSize {
                records: 10,
                bytes: 10 * (300 + topic + ROW_OVERHEAD_BYTES)
            }
        )));
        let refused = store.delete_session(running).await.unwrap_err();
        assert!(
            matches!(refused, RetentionError::Running(id) if id == running),
            "{refused}"
        );
        assert!(matches!(
            store.delete_session(SessionId(77)).await,
            Err(RetentionError::NoSession(_))
        ));
        let deleted = store.delete_session(old).await.unwrap();
        assert_eq!(deleted.records, 10);
        assert_eq!(store.get_session(old).await.unwrap(), None);
        let left = store.session_sizes().await.unwrap();
        assert_eq!(
            left,
            [(
                running,
                SessionSize {
                    records: 3,
                    bytes: 3 * (300 + topic + ROW_OVERHEAD_BYTES)
                }
            )]
        );
    }

    #[tokio::test]
    async fn a_prune_deletes_only_sessions_stopped_before_the_cutoff_and_the_file_shrinks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let ancient = store.start_session("ancient", 0).await.unwrap().id;
        store.insert_records(&rows(ancient, 30_000)).await.unwrap();
        let recent = store.start_session("recent", 5_000).await.unwrap().id;
        store.insert_records(&rows(recent, 10)).await.unwrap();
        let running = store.start_session("running", 9_000).await.unwrap().id;

        let listed: Vec<SessionId> = store
            .sessions_stopped_before(6_000)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(listed, [ancient], "recent stopped at 9000, running never");
        let pruned = store.prune_sessions(6_000).await.unwrap();
        assert_eq!(pruned.records, 30_000);
        assert!(store.get_session(recent).await.unwrap().is_some());
        assert!(store.get_session(running).await.unwrap().is_some());

        let (before, after) = store.reclaim_space().await.unwrap();
        assert!(after * 4 < before, "pages {before} -> {after}");
    }

    /// Every session's size counted from the records themselves.
    async fn recounted(store: &Store) -> Vec<(SessionId, SessionSize)> {
        let rows: Vec<(SessionId, i64, i64)> = sqlx::query_as(
            "SELECT session_id, COUNT(*), SUM(length(payload) + length(topic)) FROM records \
             GROUP BY session_id ORDER BY session_id",
        )
        .fetch_all(&store.reader)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(id, n, bytes)| (id, size(n, Some(bytes))))
            .collect()
    }

    #[tokio::test]
    async fn kept_sizes_match_a_count_of_the_records_after_writes_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("fleet.db")).await.unwrap();
        let first = store.start_session("first", 0).await.unwrap().id;
        let mut batch = rows(first, 700);
        // Payloads of every length, a topic of another length, and a fleet-wide record.
        for (i, (_, record)) in batch.iter_mut().enumerate() {
            record.payload.truncate(i % 300);
        }
        batch[3].1.topic = "fleet/cmd".into();
        batch[3].1.robot = None;
        store.insert_records(&batch).await.unwrap();
        store.stop_session(10).await.unwrap();
        let second = store.start_session("second", 20).await.unwrap().id;
        store.insert_records(&rows(second, 5)).await.unwrap();
        store.insert_records(&rows(second, 2)).await.unwrap();
        let sizes = store.session_sizes().await.unwrap();
        assert_eq!(sizes, recounted(&store).await);
        assert_eq!(sizes.len(), 2);
        assert_eq!(store.session_size(second).await.unwrap(), sizes[1].1);
        assert_eq!(sizes[1].1.records, 7);

        store.delete_session(first).await.unwrap();
        assert_eq!(
            store.session_sizes().await.unwrap(),
            recounted(&store).await
        );
        assert_eq!(
            store.session_size(first).await.unwrap(),
            SessionSize::default()
        );
        store.stop_session(30).await.unwrap();
        store.prune_sessions(31).await.unwrap();
        assert_eq!(store.session_sizes().await.unwrap(), []);
        let leftover: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_sizes")
            .fetch_one(&store.reader)
            .await
            .unwrap();
        assert_eq!(leftover, 0, "a deleted session leaves no size row");
    }

    #[tokio::test]
    async fn a_file_from_before_the_kept_sizes_is_counted_by_a_scan_then_filled_in_on_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let session = store.start_session("class", 0).await.unwrap().id;
        store.insert_records(&rows(session, 40)).await.unwrap();
        let expected = recounted(&store).await;
        // Back to the schema before migration 0013, as a file an older version wrote, and two
        // more rows written as it wrote them (no packs).
        for sql in [
            "DROP TABLE telemetry_packs",
            "DROP TRIGGER session_sizes_insert",
            "DROP TRIGGER session_sizes_delete",
            "DROP TRIGGER session_sizes_update",
            "DROP TABLE session_sizes",
            "DELETE FROM _sqlx_migrations WHERE version IN (13, 14, 15)",
            "INSERT INTO records (session_id, robot_id, kind, at_ms, topic, payload) \
             SELECT session_id, robot_id, kind, at_ms, topic, payload FROM records LIMIT 2",
        ] {
            sqlx::query(sql).execute(&store.writer).await.unwrap();
        }
        store.close().await;

        let old = Store::open_read_only(&path).await.unwrap();
        let scanned = old.session_sizes().await.unwrap();
        assert_eq!(scanned[0].1.records, expected[0].1.records + 2);
        old.close().await;
        let upgraded = Store::open(&path).await.unwrap();
        assert_eq!(upgraded.session_sizes().await.unwrap(), scanned);
        // Migration 0014 found where the session's rows lie.
        let (first, last): (i64, i64) =
            sqlx::query_as("SELECT MIN(id), MAX(id) FROM records WHERE session_id = ?")
                .bind(session)
                .fetch_one(&upgraded.reader)
                .await
                .unwrap();
        let ids = super::super::DirectReader::open(&path)
            .unwrap()
            .session_ids(session)
            .unwrap()
            .expect("bounds filled in on upgrade");
        assert_eq!((ids.first, ids.last, ids.rows), (first, last, 42));
        upgraded.insert_records(&rows(session, 1)).await.unwrap();
        assert_eq!(
            upgraded.session_sizes().await.unwrap(),
            recounted(&upgraded).await
        );
        // Migration 0015: the rows from before it have no packs, so grading never reads the
        // session's packs; a session recorded since has them all.
        let later = upgraded.start_session("later", 50).await.unwrap().id;
        upgraded.insert_records(&rows(later, 3)).await.unwrap();
        let mut direct = super::super::DirectReader::open(&path).unwrap();
        assert_eq!(direct.session_packs(session).unwrap(), None);
        assert_eq!(
            direct.session_packs(later).unwrap().map(|p| p.rows),
            Some(3)
        );
    }
}
