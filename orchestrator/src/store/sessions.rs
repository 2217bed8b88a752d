//! Sessions: named time spans that records belong to. At most one runs at a time (the schema
//! enforces it); starting one stops the one running.

use sqlx::FromRow;

use super::{Store, StoreError};
use crate::domain::SessionId;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Session {
    pub id: SessionId,
    pub name: String,
    pub started_at_ms: i64,
    /// `None` while the session runs.
    pub stopped_at_ms: Option<i64>,
    /// Records the recorder dropped while this session ran: non-zero means the recording has gaps.
    pub dropped: i64,
}

impl Session {
    pub fn is_running(&self) -> bool {
        self.stopped_at_ms.is_none()
    }
}

impl Store {
    /// Starts a session named `name` at `at_ms`, stopping the running one (if any) at the same
    /// instant, in one transaction.
    pub async fn start_session(&self, name: &str, at_ms: i64) -> Result<Session, StoreError> {
        let mut tx = self
            .begin_immediate("beginning the start-session transaction")
            .await?;
        sqlx::query(STOP_RUNNING)
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("stopping the running session"))?;
        let session = sqlx::query_as::<_, Session>(
            "INSERT INTO sessions (name, started_at_ms) VALUES (?, ?) \
             RETURNING id, name, started_at_ms, stopped_at_ms, dropped",
        )
        .bind(name)
        .bind(at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("inserting a new session"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing the new session"))?;
        Ok(session)
    }

    /// Stops the running session at `at_ms` and returns it; `None` when none was running.
    pub async fn stop_session(&self, at_ms: i64) -> Result<Option<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "UPDATE sessions SET stopped_at_ms = MAX(?, started_at_ms) WHERE stopped_at_ms IS NULL \
             RETURNING id, name, started_at_ms, stopped_at_ms, dropped",
        )
        .bind(at_ms)
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("stopping the running session"))
    }

    pub async fn running_session(&self) -> Result<Option<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "SELECT id, name, started_at_ms, stopped_at_ms, dropped FROM sessions \
             WHERE stopped_at_ms IS NULL",
        )
        .fetch_optional(&self.reader)
        .await
        .map_err(StoreError::query("reading the running session"))
    }

    pub async fn get_session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "SELECT id, name, started_at_ms, stopped_at_ms, dropped FROM sessions WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(StoreError::query("reading a session"))
    }

    /// Every session, newest first.
    pub async fn list_sessions(&self) -> Result<Vec<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "SELECT id, name, started_at_ms, stopped_at_ms, dropped FROM sessions \
             ORDER BY started_at_ms DESC, id DESC",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("listing sessions"))
    }

    /// Closes a session left running by a crash, at the time of its last record (or its start
    /// when it has none), so its recorded span is not stretched to the restart. Returns it.
    pub async fn close_interrupted_session(&self) -> Result<Option<Session>, StoreError> {
        sqlx::query_as::<_, Session>(
            "UPDATE sessions SET stopped_at_ms = MAX(started_at_ms, \
                 COALESCE((SELECT MAX(at_ms) FROM records WHERE session_id = sessions.id), 0)) \
             WHERE stopped_at_ms IS NULL \
             RETURNING id, name, started_at_ms, stopped_at_ms, dropped",
        )
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("closing an interrupted session"))
    }

    /// Adds `count` to the session's tally of records the recorder could not keep.
    pub async fn add_session_drops(&self, id: SessionId, count: u64) -> Result<(), StoreError> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        sqlx::query("UPDATE sessions SET dropped = dropped + ? WHERE id = ?")
            .bind(count)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("counting dropped records on a session"))?;
        Ok(())
    }
}

const STOP_RUNNING: &str =
    "UPDATE sessions SET stopped_at_ms = MAX(?, started_at_ms) WHERE stopped_at_ms IS NULL";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn starting_a_session_stops_the_running_one_at_the_same_instant() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.start_session("warm-up", 1_000).await.unwrap();
        assert!(first.is_running());
        let second = store.start_session("race", 5_000).await.unwrap();

        let first = store.get_session(first.id).await.unwrap().unwrap();
        assert_eq!(first.stopped_at_ms, Some(5_000));
        assert_eq!(store.running_session().await.unwrap(), Some(second.clone()));
        assert_eq!(
            store.list_sessions().await.unwrap(),
            vec![second.clone(), first],
            "newest first"
        );
    }

    #[tokio::test]
    async fn stopping_leaves_no_session_running_and_a_second_stop_is_a_no_op() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("race", 1_000).await.unwrap();
        let stopped = store.stop_session(2_000).await.unwrap().unwrap();
        assert_eq!(stopped.id, session.id);
        assert_eq!(stopped.stopped_at_ms, Some(2_000));
        assert_eq!(store.running_session().await.unwrap(), None);
        assert_eq!(store.stop_session(3_000).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_stop_time_before_the_start_is_clamped_to_the_start() {
        let store = Store::open_in_memory().await.unwrap();
        store.start_session("skewed", 10_000).await.unwrap();
        let stopped = store.stop_session(9_000).await.unwrap().unwrap();
        assert_eq!(stopped.stopped_at_ms, Some(10_000));
    }

    #[tokio::test]
    async fn the_schema_refuses_a_second_running_session() {
        let store = Store::open_in_memory().await.unwrap();
        store.start_session("one", 1).await.unwrap();
        let second = sqlx::query("INSERT INTO sessions (name, started_at_ms) VALUES ('two', 2)")
            .execute(&store.writer)
            .await;
        assert!(second.is_err(), "two sessions running at once");
    }

    #[tokio::test]
    async fn a_refused_start_leaves_the_running_session_running() {
        let store = Store::open_in_memory().await.unwrap();
        let running = store.start_session("one", 1).await.unwrap();
        let err = store.start_session("", 2).await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("inserting a new session failed"),
            "{err}"
        );
        assert_eq!(store.running_session().await.unwrap(), Some(running));
    }
}
