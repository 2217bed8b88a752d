//! A read-only SQLite connection of its own, beside sqlx's pools, for the one read where sqlx's
//! cost per row (each value copied out of SQLite, then again into the row type, each row sent
//! across a channel to the async side) is most of the work: grading a class's runs, two
//! million rows of which the grader keeps a few fields. Rows are lent to a closure straight
//! from SQLite's memory on the calling thread (a blocking one), which decodes them in place.
//! The same query as [`Store::run_rows`]; the same rows, in the same order. The statements
//! are `raw_rows.rs`'s; only the connection is this reader's.

use std::ffi::{CString, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

use super::raw_rows::{Bind, RawError, RawRow, RawStatement};
use super::run_rows::{FLEET_ROWS_SQL, OWN_ROWS_SQL};
use super::{SessionId, StoreError};

/// How long a read waits for a lock (a checkpoint) before failing, as the pools do.
const BUSY_TIMEOUT_MS: c_int = 5_000;

/// One row, valid until the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectRow<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub at_ms: i64,
    /// A fleet-wide record (a broadcast command), not the robot's own.
    pub fleet_wide: bool,
    pub payload: &'a [u8],
}

/// An open read-only connection to one database file.
pub struct DirectReader {
    db: NonNull<ffi::sqlite3>,
}

fn failed(what: &'static str, problem: String) -> StoreError {
    StoreError::Query {
        what,
        source: sqlx::Error::Protocol(problem),
    }
}

impl DirectReader {
    pub fn open(path: &Path) -> Result<DirectReader, StoreError> {
        const WHAT: &str = "opening the database for a direct read";
        let name = path
            .to_str()
            .and_then(|p| CString::new(p).ok())
            .ok_or_else(|| failed(WHAT, format!("unusable file name {}", path.display())))?;
        let mut db = ptr::null_mut();
        // SAFETY: `name` is a NUL-terminated string that outlives the call; `db` is written by
        // SQLite (a handle, possibly one in error, or null when out of memory).
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                name.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        let db = NonNull::new(db).ok_or_else(|| failed(WHAT, "out of memory".into()))?;
        // Closed on drop from here on, even when opening failed.
        let reader = DirectReader { db };
        if rc != ffi::SQLITE_OK {
            // SAFETY: the handle SQLite returned, used by this thread only.
            return Err(unsafe { RawError::of(reader.db, rc) }.into_store(WHAT));
        }
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_busy_timeout(reader.db.as_ptr(), BUSY_TIMEOUT_MS) };
        Ok(reader)
    }

    /// `robot`'s telemetry, event and command rows of `session` in `[from_ms, to_ms]` and the
    /// fleet-wide commands then, in time order, then arrival, each handed to `each`.
    pub fn run_rows(
        &mut self,
        session: SessionId,
        robot: &str,
        (from_ms, to_ms): (i64, i64),
        mut each: impl FnMut(DirectRow<'_>),
    ) -> Result<(), StoreError> {
        let span = [Bind::Int(session.0), Bind::Int(from_ms), Bind::Int(to_ms)];
        let mut own = self.statement(OWN_ROWS_SQL)?;
        own.bind(&[span[0], span[1], span[2], Bind::Text(robot)])
            .map_err(failed_read)?;
        let mut fleet = self.statement(FLEET_ROWS_SQL)?;
        fleet.bind(&span).map_err(failed_read)?;
        let (mut own_row, mut fleet_row) = (
            own.step().map_err(failed_read)?,
            fleet.step().map_err(failed_read)?,
        );
        loop {
            let take_own = match (own_row, fleet_row) {
                (false, false) => return Ok(()),
                (true, false) => true,
                (false, true) => false,
                (true, true) => key(&own.row()) < key(&fleet.row()),
            };
            if take_own {
                each(direct_row(own.row(), false)?);
                own_row = own.step().map_err(failed_read)?;
            } else {
                each(direct_row(fleet.row(), true)?);
                fleet_row = fleet.step().map_err(failed_read)?;
            }
        }
    }

    /// A statement on this reader's connection, borrowing it. Only [`Self::run_rows`] makes
    /// them, under its `&mut self`: one read at a time, on one thread (the handle is NOMUTEX).
    fn statement(&self, sql: &str) -> Result<RawStatement<'_>, StoreError> {
        // SAFETY: the connection is open until `self` drops, which the borrow outlasts, and
        // the caller's `&mut self` keeps every other use of it out meanwhile.
        unsafe { RawStatement::prepare(self.db, sql) }
            .map_err(failed_read)?
            .ok_or_else(|| failed(WHAT, "blank SQL".into()))
    }
}

const WHAT: &str = "reading a run's records directly";

fn failed_read(e: RawError) -> StoreError {
    e.into_store(WHAT)
}

/// (at_ms, id) of a row (columns: id, kind, at_ms, payload): replay order.
fn key(row: &RawRow<'_>) -> (i64, i64) {
    (row.int(2), row.int(0))
}

fn direct_row(row: RawRow<'_>, fleet_wide: bool) -> Result<DirectRow<'_>, StoreError> {
    let kind = row
        .text(1)
        .map_err(|e| failed(WHAT, e.to_string()))?
        .unwrap_or_default();
    Ok(DirectRow {
        id: row.int(0),
        kind,
        at_ms: row.int(2),
        fleet_wide,
        payload: row.bytes(3).unwrap_or_default(),
    })
}

impl Drop for DirectReader {
    fn drop(&mut self) {
        // SAFETY: every statement borrows the reader, so all are finalized by now.
        unsafe { ffi::sqlite3_close(self.db.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::RobotId;

    use super::*;
    use crate::domain::{Record, RecordKind};
    use crate::store::Store;

    fn record(robot: Option<&str>, kind: RecordKind, at_ms: i64) -> Record {
        Record {
            robot: robot.map(|r| RobotId::parse(r).unwrap()),
            kind,
            at_ms,
            topic: "t".into(),
            payload: format!("payload {at_ms}").into_bytes(),
        }
    }

    #[tokio::test]
    async fn a_direct_read_gives_the_rows_and_order_the_pool_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let s = store.start_session("class", 0).await.unwrap().id;
        let mut rows = Vec::new();
        for at in 0..300 {
            let robot = ["r1", "r2"][at as usize % 2];
            let kind = [RecordKind::Telemetry, RecordKind::Event, RecordKind::Ack][at as usize % 3];
            rows.push((s, record(Some(robot), kind, at / 3)));
            if at % 37 == 0 {
                rows.push((s, record(None, RecordKind::Command, at / 3)));
            }
        }
        store.insert_records(&rows).await.unwrap();
        let r1 = RobotId::parse("r1").unwrap();
        let pooled = store.run_rows(s, &r1, 10, 80).await.unwrap();
        let mut reader = DirectReader::open(&path).unwrap();
        let mut direct = Vec::new();
        reader
            .run_rows(s, "r1", (10, 80), |row| {
                direct.push((row.id, row.kind.to_owned(), row.at_ms, row.fleet_wide));
                assert_eq!(row.payload, format!("payload {}", row.at_ms).as_bytes());
            })
            .unwrap();
        let expected: Vec<_> = pooled
            .iter()
            .map(|r| (r.id, r.kind.clone(), r.at_ms, r.fleet_wide))
            .collect();
        assert!(expected.iter().any(|r| r.3) && expected.len() > 20);
        assert_eq!(direct, expected);
        store.close().await;
    }

    #[test]
    fn a_missing_file_is_an_error_naming_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = DirectReader::open(&dir.path().join("none.db"))
            .err()
            .expect("no such file");
        assert!(err.to_string().contains("direct read"), "{err}");
    }
}
