//! What can go wrong in the store, each variant saying which operation failed and on what.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the SQLite database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the database migrations (is the file from a newer orchestrator?): {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{what} failed: {source}")]
    Query {
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// A stored row holds a value this build cannot read back (hand-edited file, newer build).
    #[error("{table} row {row}: {problem}")]
    BadRow {
        table: &'static str,
        row: String,
        problem: String,
    },
}

impl StoreError {
    /// Adapter for `map_err`: names the operation that failed.
    pub(crate) fn query(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Query { what, source }
    }
}
