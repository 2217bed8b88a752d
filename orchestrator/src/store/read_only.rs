//! A store opened for reading only: exports straight from the database file, after class or
//! while a server is writing it (WAL: a reader never blocks the writer, nor the writer it).

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::{Store, StoreError, StoreOptions};

impl Store {
    /// Opens an existing database file without ever writing to it: no migration, no journal
    /// mode change, and every write through this store fails ("readonly database"). A missing
    /// file is an error, not a new empty database.
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let options = StoreOptions::default();
        let reader = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(path)
                    .read_only(true)
                    .busy_timeout(options.busy_timeout),
            )
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        Ok(Store {
            writer: reader.clone(),
            reader,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Record, RecordKind};
    use crate::store::RecordQuery;
    use fleet_protocol::RobotId;

    fn telemetry(at_ms: i64) -> Record {
        let robot = RobotId::parse("t1").unwrap();
        Record {
            topic: fleet_protocol::topic::telemetry(&robot),
            robot: Some(robot),
            kind: RecordKind::Telemetry,
            at_ms,
            payload: b"{}".to_vec(),
        }
    }

    #[tokio::test]
    async fn a_read_only_store_reads_while_the_server_writes_and_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let server = Store::open(&path).await.unwrap();
        let session = server.start_session("class", 0).await.unwrap().id;
        let batch: Vec<_> = (0..10).map(|i| (session, telemetry(i))).collect();
        server.insert_records(&batch).await.unwrap();

        let reader = Store::open_read_only(&path).await.unwrap();
        let mut pages = reader
            .record_pages(RecordQuery::session(session))
            .await
            .unwrap()
            .with_page_rows(4);
        let mut read = pages.next_page().await.unwrap().unwrap().len();
        // The server goes on writing between the reader's pages, and is never refused.
        server.insert_records(&batch).await.unwrap();
        while let Some(page) = pages.next_page().await.unwrap() {
            read += page.len();
            server.insert_records(&batch).await.unwrap();
        }
        assert_eq!(read, 10, "the export is the snapshot taken at its start");

        let write = reader.start_session("intruder", 1).await;
        let err = write.expect_err("a read-only store accepted a write");
        assert!(err.to_string().contains("readonly"), "{err}");
        assert_eq!(
            reader.get_session(session).await.unwrap().map(|s| s.name),
            Some("class".to_owned())
        );
    }

    #[tokio::test]
    async fn a_closed_database_opens_read_only_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let server = Store::open(&path).await.unwrap();
        let session = server.start_session("class", 0).await.unwrap().id;
        server
            .insert_records(&[(session, telemetry(5))])
            .await
            .unwrap();
        server.close().await;

        let reader = Store::open_read_only(&path).await.unwrap();
        let query = RecordQuery::session(session);
        assert_eq!(reader.count_matching(&query).await.unwrap(), 1);

        let missing = Store::open_read_only(&dir.path().join("nope.db")).await;
        let err = missing.expect_err("opened a database that does not exist");
        assert!(err.to_string().contains("nope.db"), "{err}");
        assert!(!dir.path().join("nope.db").exists());
    }
}
