//! A read-only SQLite connection of its own, beside sqlx's pools, for the one read where sqlx's
//! cost per row (each value copied out of SQLite, then again into the row type, each row sent
//! across a channel to the async side) is most of the work: grading a class's runs, two
//! million rows of which the grader keeps a few fields. Rows are lent to a closure straight
//! from SQLite's memory on the calling thread (a blocking one), which decodes them in place.
//!
//! One pass over the session in replay order reads every run's rows at once: by the session's
//! time index, whose rows follow each other in the table (they were written in that order), so
//! SQLite steps from one row to the next instead of seeking each of a robot's rows among its
//! classmates' (three times slower). The caller keeps the rows of the robots it grades.
//!
//! Faster still, when a session's rows are most of the ids between its bounds (the recorder
//! writes one session at a time; migration 0014 keeps the bounds): the table itself walked in
//! id order, one step a row with no index to read beside it, about a quarter less work.
//! The kinds grading skips are dropped here, not in SQL, where comparing every row's kind to a
//! list costs as much again as reading it.
//!
//! Fastest, when a session's telemetry is all packed (migration 0015, `telemetry_packs.rs`):
//! its packs walked in id order, a quarter of the rows and no JSON, with its events and
//! commands read apart by their own index.

use std::ffi::{CString, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

use super::raw_rows::{Bind, RawError, RawRow, RawStatement};
use super::run_rows::{
    SESSION_IDS_SQL, SESSION_MARKS_SQL, SESSION_ROWS_BY_ID_SQL, SESSION_ROWS_SQL,
};
use super::telemetry_packs::{SESSION_PACKS_BY_ID_SQL, SESSION_PACKS_SQL};
use super::{SessionId, StoreError};
use crate::domain::RecordKind;

/// How long a read waits for a lock (a checkpoint) before failing, as the pools do.
const BUSY_TIMEOUT_MS: c_int = 5_000;

/// The most of the file mapped: SQLite's own cap (`SQLITE_MAX_MMAP_SIZE`, 2 GiB - 64 KiB).
const MMAP_BYTES: i64 = 0x7fff_0000;

/// One row, valid until the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectRow<'a> {
    pub id: i64,
    /// Whose record it is, the bytes as stored (not checked as UTF-8, row after row: the
    /// caller compares them with the ids it reads); `None` for a fleet-wide record.
    pub robot: Option<&'a [u8]>,
    /// Telemetry, event or command: the rows of other kinds are skipped.
    pub kind: RecordKind,
    pub at_ms: i64,
    pub payload: &'a [u8],
}

/// Where a session's rows lie in the table: the smallest and largest id it has had (some of
/// them may since have been deleted), and how many rows it has now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionIds {
    pub first: i64,
    pub last: i64,
    pub rows: i64,
}

impl SessionIds {
    /// How many ids lie between the bounds, the session's own rows and any other's.
    pub fn span(&self) -> i64 {
        self.last
            .saturating_sub(self.first)
            .saturating_add(1)
            .max(0)
    }
}

/// Where a session's telemetry packs lie (`telemetry_packs.rs`): the smallest and largest pack
/// id, and how many telemetry rows they hold, which is every telemetry row of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPacks {
    pub first: i64,
    pub last: i64,
    pub rows: i64,
}

/// One telemetry pack, valid until the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectPack<'a> {
    /// Whose telemetry, the bytes as stored; `None` for rows recorded without a robot.
    pub robot: Option<&'a [u8]>,
    /// How many rows it holds, as written beside it.
    pub rows: i64,
    pub pack: &'a [u8],
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
        reader.map_the_file()?;
        Ok(reader)
    }

    /// Reads the file's pages where the OS keeps them (`mmap_size`) instead of copying each
    /// into SQLite's small page cache: a class's hour is a gigabyte of pages, each copied and
    /// soon evicted otherwise (a pass a third slower). Read-only, on this connection only.
    /// SQLite maps at most 2 GiB (its build's cap) and reads past that as before. The cost:
    /// an I/O error on a mapped page (a failing disk) stops the grading process with a signal
    /// instead of returning an error; the server's pools never map.
    fn map_the_file(&self) -> Result<(), StoreError> {
        let pragma = CString::new(format!("PRAGMA mmap_size = {MMAP_BYTES}"))
            .map_err(|e| failed(WHAT, e.to_string()))?;
        // SAFETY: a valid handle and a NUL-terminated statement; no callback, no error text.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.db.as_ptr(),
                pragma.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            // SAFETY: the handle, used by this thread only.
            return Err(unsafe { RawError::of(self.db, rc) }.into_store(WHAT));
        }
        Ok(())
    }

    /// Every telemetry, event and command row of `session` in `[from_ms, to_ms]`, every
    /// robot's and the fleet-wide ones, in time order, then arrival, each handed to `each`.
    pub fn session_rows(
        &mut self,
        session: SessionId,
        (from_ms, to_ms): (i64, i64),
        each: impl FnMut(DirectRow<'_>),
    ) -> Result<(), StoreError> {
        self.graded_rows(
            SESSION_ROWS_SQL,
            &[Bind::Int(session.0), Bind::Int(from_ms), Bind::Int(to_ms)],
            each,
        )
    }

    /// Every telemetry, event and command row of `session` with an id in `[first_id, last_id]`,
    /// in arrival (id) order, whatever its time, each handed to `each`.
    pub fn session_rows_by_id(
        &mut self,
        session: SessionId,
        (first_id, last_id): (i64, i64),
        each: impl FnMut(DirectRow<'_>),
    ) -> Result<(), StoreError> {
        self.graded_rows(
            SESSION_ROWS_BY_ID_SQL,
            &[
                Bind::Int(first_id),
                Bind::Int(last_id),
                Bind::Int(session.0),
            ],
            each,
        )
    }

    /// Where `session`'s rows lie in the table; `None` when it has none, or when the file
    /// predates the bounds (a read-only file never migrated to 0014).
    pub fn session_ids(&mut self, session: SessionId) -> Result<Option<SessionIds>, StoreError> {
        self.session_row(SESSION_IDS_SQL, session, |row| SessionIds {
            first: row.int(0),
            last: row.int(1),
            rows: row.int(2),
        })
    }

    /// The session's events and commands in `[from_ms, to_ms]`, every robot's and the
    /// fleet-wide ones, in time order, then arrival (by their own index: no telemetry row is
    /// read), each handed to `each`.
    pub fn session_marks(
        &mut self,
        session: SessionId,
        (from_ms, to_ms): (i64, i64),
        each: impl FnMut(DirectRow<'_>),
    ) -> Result<(), StoreError> {
        self.graded_rows(
            SESSION_MARKS_SQL,
            &[Bind::Int(session.0), Bind::Int(from_ms), Bind::Int(to_ms)],
            each,
        )
    }

    /// Where `session`'s telemetry packs lie, if they hold every telemetry row it has and it
    /// has some; `None` otherwise (also for a file never migrated to 0015).
    pub fn session_packs(
        &mut self,
        session: SessionId,
    ) -> Result<Option<SessionPacks>, StoreError> {
        self.session_row(SESSION_PACKS_SQL, session, |row| SessionPacks {
            rows: row.int(0),
            first: row.int(1),
            last: row.int(2),
        })
    }

    /// The one row `sql` (its `?1` the session) gives, read by `read`; `None` when it gives
    /// none, or when the statement cannot be prepared on this file (a table of a migration it
    /// never had).
    fn session_row<T>(
        &mut self,
        sql: &str,
        session: SessionId,
        read: impl FnOnce(RawRow<'_>) -> T,
    ) -> Result<Option<T>, StoreError> {
        let Ok(mut found) = self.statement(sql) else {
            return Ok(None);
        };
        found.bind(&[Bind::Int(session.0)]).map_err(failed_read)?;
        if !found.step().map_err(failed_read)? {
            return Ok(None);
        }
        Ok(Some(read(found.row())))
    }

    /// The packs of `session` with an id in `[first_id, last_id]`, in the order written, each
    /// handed to `each`.
    pub fn session_packs_by_id<E>(
        &mut self,
        session: SessionId,
        (first_id, last_id): (i64, i64),
        mut each: impl FnMut(DirectPack<'_>) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut packs = self.statement(SESSION_PACKS_BY_ID_SQL)?;
        packs
            .bind(&[
                Bind::Int(first_id),
                Bind::Int(last_id),
                Bind::Int(session.0),
            ])
            .map_err(failed_read)?;
        while packs.step().map_err(failed_read)? {
            let row = packs.row();
            let pack = DirectPack {
                robot: row.bytes(0),
                rows: row.int(1),
                pack: row.bytes_of_not_null(2),
            };
            if let Err(e) = each(pack) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// The rows of `sql` (columns: id, robot_id, kind, at_ms, payload) that grading reads.
    fn graded_rows(
        &mut self,
        sql: &str,
        binds: &[Bind<'_>],
        mut each: impl FnMut(DirectRow<'_>),
    ) -> Result<(), StoreError> {
        let mut rows = self.statement(sql)?;
        rows.bind(binds).map_err(failed_read)?;
        while rows.step().map_err(failed_read)? {
            if let Some(row) = direct_row(rows.row()) {
                each(row);
            }
        }
        Ok(())
    }

    /// A statement on this reader's connection, borrowing it. Only the reads above make them,
    /// under their `&mut self`: one read at a time, on one thread (the handle is NOMUTEX).
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

/// A row of a graded read (columns: id, robot_id, kind, at_ms, payload); `None` for a kind
/// grading does not read. `kind` and `payload` are `NOT NULL` columns, so their bytes are taken
/// without asking their type first.
fn direct_row(row: RawRow<'_>) -> Option<DirectRow<'_>> {
    let kind = match row.bytes_of_not_null(2) {
        b"telemetry" => RecordKind::Telemetry,
        b"event" => RecordKind::Event,
        b"command" => RecordKind::Command,
        _ => return None,
    };
    Some(DirectRow {
        id: row.int(0),
        robot: row.bytes(1),
        kind,
        at_ms: row.int(3),
        payload: row.bytes_of_not_null(4),
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

    use super::super::run_rows::tests::record;
    use super::*;
    use crate::domain::RecordKind;
    use crate::store::Store;

    #[tokio::test]
    async fn a_session_pass_gives_each_robot_the_rows_and_order_the_pool_gives_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let s = store.start_session("class", 0).await.unwrap().id;
        let other = store.start_session("other", 0).await.unwrap().id;
        let mut rows = Vec::new();
        for at in 0..300 {
            let robot = ["r1", "r2"][at as usize % 2];
            let kind = [RecordKind::Telemetry, RecordKind::Event, RecordKind::Ack][at as usize % 3];
            // Out of time order now and then, as a late QoS 1 delivery arrives.
            let at_ms = if at % 50 == 7 { at / 3 - 4 } else { at / 3 };
            rows.push((s, record(Some(robot), kind, at_ms)));
            if at % 37 == 0 {
                rows.push((s, record(None, RecordKind::Command, at / 3)));
                rows.push((other, record(Some("r1"), RecordKind::Telemetry, at / 3)));
            }
        }
        store.insert_records(&rows).await.unwrap();
        let mut reader = DirectReader::open(&path).unwrap();
        let mut passed = Vec::new();
        reader
            .session_rows(s, (10, 80), |row| {
                passed.push((
                    row.id,
                    row.robot.map(|r| String::from_utf8(r.to_vec()).unwrap()),
                    row.kind.as_str().to_owned(),
                    row.at_ms,
                ));
                assert_eq!(row.payload, row.at_ms.to_string().as_bytes());
            })
            .unwrap();
        for robot in ["r1", "r2"] {
            let pooled = store
                .run_rows(s, &RobotId::parse(robot).unwrap(), 10, 80)
                .await
                .unwrap();
            let expected: Vec<_> = pooled
                .iter()
                .map(|r| (r.id, r.kind.clone(), r.at_ms, r.fleet_wide))
                .collect();
            let mine: Vec<_> = passed
                .iter()
                .filter(|(_, who, _, _)| who.as_deref().is_none_or(|who| who == robot))
                .map(|(id, who, kind, at)| (*id, kind.clone(), *at, who.is_none()))
                .collect();
            assert!(expected.iter().any(|r| r.3) && expected.len() > 20);
            assert_eq!(mine, expected, "{robot}");
        }
        assert!(passed.iter().all(|(_, _, kind, _)| kind != "ack"));
        store.close().await;
    }

    #[tokio::test]
    async fn a_sessions_id_bounds_and_rows_by_id_follow_its_inserts_among_another_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        let store = Store::open(&path).await.unwrap();
        let other = store.start_session("other", 0).await.unwrap().id;
        store.stop_session(0).await.unwrap();
        let s = store.start_session("class", 0).await.unwrap().id;
        let mut rows = Vec::new();
        for at in 0..200 {
            let kind = [RecordKind::Telemetry, RecordKind::Ack, RecordKind::Event][at as usize % 3];
            // Written as they came: now and then an older row, and the other session's rows
            // between this one's.
            let at_ms = if at % 9 == 3 { at - 30 } else { at };
            let session = if at % 4 == 1 { other } else { s };
            rows.push((session, record(Some("r1"), kind, at_ms)));
        }
        rows.push((other, record(Some("r1"), RecordKind::Telemetry, 5)));
        store.insert_records(&rows).await.unwrap();
        let mut reader = DirectReader::open(&path).unwrap();
        let ids = reader.session_ids(s).unwrap().expect("bounds");
        let stored: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT id, at_ms, kind FROM records WHERE session_id = ? ORDER BY id")
                .bind(s)
                .fetch_all(&store.reader)
                .await
                .unwrap();
        assert_eq!(ids.first, stored[0].0);
        assert_eq!(ids.last, stored[stored.len() - 1].0);
        assert_eq!(ids.rows, i64::try_from(stored.len()).unwrap());
        assert!(
            ids.span() > ids.rows,
            "the other session's rows lie between"
        );

        let mut by_id = Vec::new();
        reader
            .session_rows_by_id(s, (ids.first, ids.last), |row| {
                by_id.push((row.id, row.at_ms, row.kind.as_str().to_owned()));
            })
            .unwrap();
        let graded: Vec<_> = stored.iter().filter(|r| r.2 != "ack").cloned().collect();
        assert!(
            graded.windows(2).any(|w| w[0].1 > w[1].1),
            "out of time order"
        );
        assert_eq!(by_id, graded, "the session's graded rows, in id order");
        // Part of the range only.
        let mut part = 0;
        reader
            .session_rows_by_id(s, (ids.first, ids.first + 20), |_| part += 1)
            .unwrap();
        assert_eq!(
            part,
            graded.iter().filter(|r| r.0 <= ids.first + 20).count()
        );
        assert_eq!(reader.session_ids(SessionId(s.0 + 5)).unwrap(), None);
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
