//! A read-only SQLite connection of its own, beside sqlx's pools, for the one read where sqlx's
//! cost per row (each value copied out of SQLite, then again into the row type, each row sent
//! across a channel to the async side) is most of the work: grading a class's runs, two
//! million rows of which the grader keeps a few fields. Rows are lent to a closure straight
//! from SQLite's memory on the calling thread (a blocking one), which decodes them in place.
//! The same query as [`Store::run_rows`]; the same rows, in the same order.

use std::ffi::{CStr, CString, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

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
            return Err(reader.error(WHAT, rc));
        }
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_busy_timeout(reader.db.as_ptr(), BUSY_TIMEOUT_MS) };
        Ok(reader)
    }

    fn error(&self, what: &'static str, rc: c_int) -> StoreError {
        // SAFETY: a valid handle; SQLite's message is a NUL-terminated string it owns, copied
        // before anything else runs on the connection.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db.as_ptr())) };
        failed(
            what,
            format!("SQLite error {rc}: {}", message.to_string_lossy()),
        )
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
        let mut own = Statement::prepare(self, OWN_ROWS_SQL)?;
        own.bind(session, (from_ms, to_ms), Some(robot))?;
        let mut fleet = Statement::prepare(self, FLEET_ROWS_SQL)?;
        fleet.bind(session, (from_ms, to_ms), None)?;
        let (mut own_row, mut fleet_row) = (own.step()?, fleet.step()?);
        loop {
            let take_own = match (own_row, fleet_row) {
                (false, false) => return Ok(()),
                (true, false) => true,
                (false, true) => false,
                (true, true) => own.key() < fleet.key(),
            };
            if take_own {
                each(own.row(false)?);
                own_row = own.step()?;
            } else {
                each(fleet.row(true)?);
                fleet_row = fleet.step()?;
            }
        }
    }
}

impl Drop for DirectReader {
    fn drop(&mut self) {
        // SAFETY: every statement borrows the reader, so all are finalized by now.
        unsafe { ffi::sqlite3_close(self.db.as_ptr()) };
    }
}

/// A prepared statement, finalized on drop.
struct Statement<'c> {
    reader: &'c DirectReader,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

const WHAT: &str = "reading a run's records directly";

impl<'c> Statement<'c> {
    fn prepare(reader: &'c DirectReader, sql: &str) -> Result<Statement<'c>, StoreError> {
        let sql = CString::new(sql).map_err(|e| failed(WHAT, e.to_string()))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: a valid handle and a NUL-terminated statement (-1: read up to the NUL).
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                reader.db.as_ptr(),
                sql.as_ptr(),
                -1,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Statement { reader, stmt }),
            _ => Err(reader.error(WHAT, rc)),
        }
    }

    /// `?1` session, `?2`..`?3` the span, `?4` the robot (for the robot's own rows).
    fn bind(
        &mut self,
        session: SessionId,
        (from_ms, to_ms): (i64, i64),
        robot: Option<&str>,
    ) -> Result<(), StoreError> {
        let s = self.stmt.as_ptr();
        // SAFETY: a valid statement; SQLITE_TRANSIENT makes SQLite copy the text at once.
        let rcs = unsafe {
            let mut rcs = vec![
                ffi::sqlite3_bind_int64(s, 1, session.0),
                ffi::sqlite3_bind_int64(s, 2, from_ms),
                ffi::sqlite3_bind_int64(s, 3, to_ms),
            ];
            if let Some(robot) = robot {
                let len = c_int::try_from(robot.len()).unwrap_or(c_int::MAX);
                rcs.push(ffi::sqlite3_bind_text(
                    s,
                    4,
                    robot.as_ptr().cast(),
                    len,
                    ffi::SQLITE_TRANSIENT(),
                ));
            }
            rcs
        };
        match rcs.into_iter().find(|&rc| rc != ffi::SQLITE_OK) {
            Some(rc) => Err(self.reader.error(WHAT, rc)),
            None => Ok(()),
        }
    }

    /// Moves to the next row: `false` when there is none.
    fn step(&mut self) -> Result<bool, StoreError> {
        // SAFETY: a valid, bound statement.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(self.reader.error(WHAT, rc)),
        }
    }

    /// (at_ms, id) of the current row: replay order.
    fn key(&self) -> (i64, i64) {
        let s = self.stmt.as_ptr();
        // SAFETY: a valid statement positioned on a row (callers check `step`).
        unsafe {
            (
                ffi::sqlite3_column_int64(s, 2),
                ffi::sqlite3_column_int64(s, 0),
            )
        }
    }

    /// The current row (columns: id, kind, at_ms, payload), borrowed until the next step.
    fn row(&self, fleet_wide: bool) -> Result<DirectRow<'_>, StoreError> {
        let s = self.stmt.as_ptr();
        // SAFETY: a valid statement positioned on a row. Each pointer is read before its
        // length (as SQLite asks), and stays valid until the statement steps again, which
        // needs `&mut self` while the returned row borrows `self`.
        let (id, at_ms, kind, payload) = unsafe {
            let kind = column_bytes(s, ffi::sqlite3_column_text(s, 1), 1);
            let payload = column_bytes(s, ffi::sqlite3_column_blob(s, 3).cast(), 3);
            (
                ffi::sqlite3_column_int64(s, 0),
                ffi::sqlite3_column_int64(s, 2),
                kind,
                payload,
            )
        };
        let kind = std::str::from_utf8(kind).map_err(|e| failed(WHAT, e.to_string()))?;
        Ok(DirectRow {
            id,
            kind,
            at_ms,
            fleet_wide,
            payload,
        })
    }
}

/// The bytes SQLite returned at `ptr` for column `col` of the current row.
///
/// # Safety
/// `ptr` is what `sqlite3_column_text` or `_blob` just returned for `col` of `s`'s current
/// row; the slice must not outlive that row.
unsafe fn column_bytes<'a>(s: *mut ffi::sqlite3_stmt, ptr: *const u8, col: c_int) -> &'a [u8] {
    // SAFETY: as the caller promises; a null pointer (an empty value) is the empty slice.
    unsafe {
        let len = usize::try_from(ffi::sqlite3_column_bytes(s, col)).unwrap_or(0);
        if ptr.is_null() || len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(ptr, len)
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: a valid statement, finalized once.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
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
