//! Reads the orchestrator's recording file directly, read-only, the way a person checking the
//! recording would: what tests assert is what is on disk, not what the API says about it.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// A read-only view of one recording file.
pub struct Recording {
    pool: SqlitePool,
}

impl Recording {
    pub async fn open(path: &Path) -> Recording {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            // The orchestrator's writer may hold the write lock; reads under WAL are not
            // blocked by it, but a checkpoint can be.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| panic!("open {} read-only: {e}", path.display()));
        Recording { pool }
    }

    /// Rows of `records` matching `condition` (an SQL expression written by the test).
    pub async fn count_records(&self, condition: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM records WHERE {condition}"))
            .await
    }

    /// Polls until at least `at_least` rows match `condition` (the recorder commits in batches,
    /// a few hundred milliseconds apart); returns the count, or panics explaining what is there.
    pub async fn wait_for_rows(&self, condition: &str, at_least: i64, timeout: Duration) -> i64 {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let n = self.count_records(condition).await;
            if n >= at_least {
                return n;
            }
            if tokio::time::Instant::now() >= deadline {
                let summary = self.summary(condition).await;
                panic!(
                    "{n} rows where {condition} after {timeout:?}, wanted {at_least}: {summary}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The payloads (as text) of `robot`'s records of `kind`, in arrival order.
    pub async fn payloads(&self, robot: &str, kind: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT CAST(payload AS TEXT) FROM records WHERE robot_id = ? AND kind = ? ORDER BY id",
        )
        .bind(robot)
        .bind(kind)
        .fetch_all(&self.pool)
        .await
        .unwrap_or_else(|e| panic!("payloads of {robot}: {e}"))
    }

    /// One integer from `sql` (a query written by the test, never from outside input).
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// `session/kind: count` of the rows matching `condition`, to explain a failed check.
    pub async fn summary(&self, condition: &str) -> String {
        let sql = format!(
            "SELECT session_id || '/' || kind || ': ' || COUNT(*) FROM records \
             WHERE {condition} GROUP BY session_id, kind"
        );
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("summary of {condition}: {e}"));
        rows.join(", ")
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}
