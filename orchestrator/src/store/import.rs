//! Sessions brought in from elsewhere (an MCAP file the project wrote): inserted already
//! stopped, so they never disturb the running session. Their records go in through
//! [`Store::insert_records`] like any others.

use super::{Session, SessionId, Store, StoreError};

/// A finished session as another recording describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSession {
    pub name: String,
    pub started_at_ms: i64,
    pub stopped_at_ms: i64,
    /// Records the original recorder dropped: an imported gap stays a known gap.
    pub dropped: i64,
}

impl Store {
    /// Adds a stopped session (a stop before the start is clamped to the start).
    pub async fn insert_imported_session(
        &self,
        session: &ImportedSession,
    ) -> Result<Session, StoreError> {
        sqlx::query_as::<_, Session>(
            "INSERT INTO sessions (name, started_at_ms, stopped_at_ms, dropped) \
             VALUES (?, ?, MAX(?, ?), MAX(?, 0)) \
             RETURNING id, name, started_at_ms, stopped_at_ms, dropped",
        )
        .bind(&session.name)
        .bind(session.started_at_ms)
        .bind(session.stopped_at_ms)
        .bind(session.started_at_ms)
        .bind(session.dropped)
        .fetch_one(&self.writer)
        .await
        .map_err(StoreError::query("inserting an imported session"))
    }

    /// Ends an imported session at `at_ms` (its last record) when the file gave no stop time.
    pub async fn close_imported_session(
        &self,
        id: SessionId,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET stopped_at_ms = MAX(stopped_at_ms, ?) \
             WHERE id = ? AND stopped_at_ms IS NOT NULL",
        )
        .bind(at_ms)
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(StoreError::query("closing an imported session"))?;
        Ok(())
    }

    /// Removes an imported session and its records (a failed import). Never a running one.
    pub async fn discard_imported_session(&self, id: SessionId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = ? AND stopped_at_ms IS NOT NULL")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("removing a failed import"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_imported_session_is_stopped_and_leaves_the_running_one_alone() {
        let store = Store::open_in_memory().await.unwrap();
        let running = store.start_session("serve", 500).await.unwrap();
        let imported = store
            .insert_imported_session(&ImportedSession {
                name: "race (imported)".into(),
                started_at_ms: 100,
                stopped_at_ms: 50,
                dropped: 3,
            })
            .await
            .unwrap();
        assert_eq!(imported.started_at_ms, 100);
        assert_eq!(imported.stopped_at_ms, Some(100));
        assert_eq!(imported.dropped, 3);
        assert_eq!(store.running_session().await.unwrap(), Some(running));
    }
}
