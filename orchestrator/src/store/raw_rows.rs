//! Read queries stepped through SQLite's C API, their rows lent to the caller in place: for the
//! reads where sqlx's per-row work (a copy of every value, a hand-over from its worker thread)
//! costs more than SQLite reading the rows: the export's pages (on a connection of the read
//! pool, [`for_each_row`]) and grading's runs (on a connection of its own, `direct_read.rs`).
//! See `record_stream.rs`, the export bench and the grading bench.
//!
//! The orchestrator's `unsafe` is kept here: a [`RawStatement`] is prepared on a connection
//! that no other thread uses while it lives (sqlx's `lock_handle`, or a connection opened for
//! one reader), it is finalized when dropped, and a [`RawRow`]'s borrowed text and bytes live
//! only until the next step, which the borrow of the statement enforces.

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::SqlitePool;

use super::StoreError;

/// A value for one `?` of the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Bind<'a> {
    Int(i64),
    Text(&'a str),
}

/// An SQLite failure: its result code and the connection's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawError(String);

impl RawError {
    /// The message of `db`'s last failure, `code`.
    ///
    /// # Safety
    /// `db` is an open connection, used by no other thread now.
    pub(super) unsafe fn of(db: NonNull<ffi::sqlite3>, code: c_int) -> RawError {
        // SAFETY: as the caller promises; the message is copied at once.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) };
        RawError(format!(
            "SQLite error {code}: {}",
            message.to_string_lossy()
        ))
    }

    pub(super) fn into_store(self, what: &'static str) -> StoreError {
        StoreError::query(what)(sqlx::Error::Protocol(self.0))
    }
}

/// A prepared statement, finalized on drop. `'db` is the borrow of its connection.
pub(super) struct RawStatement<'db> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    _db: PhantomData<&'db ()>,
}

impl<'db> RawStatement<'db> {
    /// Prepares `sql` (one statement) on `db`; `None` for blank SQL, which prepares to nothing.
    ///
    /// # Safety
    /// `db` is an open connection that outlives `'db` and that no other thread uses while the
    /// statement lives.
    pub(super) unsafe fn prepare(
        db: NonNull<ffi::sqlite3>,
        sql: &str,
    ) -> Result<Option<RawStatement<'db>>, RawError> {
        // SAFETY (for every `RawError::of` here): `db` as the caller promises.
        let len = c_int::try_from(sql.len())
            .map_err(|_| unsafe { RawError::of(db, ffi::SQLITE_TOOBIG) })?;
        let mut raw = ptr::null_mut();
        // SAFETY: `sql` outlives the call and its length is given, so it needs no NUL.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                sql.as_ptr().cast::<c_char>(),
                len,
                &mut raw,
                ptr::null_mut(),
            )
        };
        if code != ffi::SQLITE_OK {
            return Err(unsafe { RawError::of(db, code) });
        }
        Ok(NonNull::new(raw).map(|stmt| RawStatement {
            db,
            stmt,
            _db: PhantomData,
        }))
    }

    fn error(&self, code: c_int) -> RawError {
        // SAFETY: the connection is open and ours while the statement lives (see `prepare`).
        unsafe { RawError::of(self.db, code) }
    }

    /// Binds `binds` to `?1`, `?2`, ... in order.
    pub(super) fn bind(&mut self, binds: &[Bind<'_>]) -> Result<(), RawError> {
        for (i, bind) in binds.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| self.error(ffi::SQLITE_RANGE))?;
            // SAFETY: a prepared statement; SQLITE_TRANSIENT makes SQLite copy the text.
            let code = unsafe {
                match *bind {
                    Bind::Int(v) => ffi::sqlite3_bind_int64(self.stmt.as_ptr(), index, v),
                    Bind::Text(text) => ffi::sqlite3_bind_text(
                        self.stmt.as_ptr(),
                        index,
                        text.as_ptr().cast::<c_char>(),
                        c_int::try_from(text.len()).map_err(|_| self.error(ffi::SQLITE_TOOBIG))?,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(self.error(code));
            }
        }
        Ok(())
    }

    /// Moves to the next row: `false` when there is none.
    pub(super) fn step(&mut self) -> Result<bool, RawError> {
        // SAFETY: a prepared statement, stepped on the thread that holds its connection.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            code => Err(self.error(code)),
        }
    }

    /// The current row, after a `step` that returned `true`; borrowed until the next step.
    pub(super) fn row(&self) -> RawRow<'_> {
        RawRow {
            stmt: self.stmt,
            _row: PhantomData,
        }
    }
}

impl Drop for RawStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: prepared by `prepare` and finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The current row of a stepping statement.
pub(super) struct RawRow<'s> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _row: PhantomData<&'s ()>,
}

impl<'s> RawRow<'s> {
    pub(super) fn int(&self, column: c_int) -> i64 {
        // SAFETY: a prepared statement positioned on a row (see `RawStatement::row`).
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), column) }
    }

    /// A TEXT column, `None` when NULL; an error when it is not UTF-8 (SQLite never checks).
    pub(super) fn text(&self, column: c_int) -> Result<Option<&'s str>, std::str::Utf8Error> {
        match self.bytes(column) {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(bytes).map(Some),
        }
    }

    /// The bytes of a column that is never NULL (`NOT NULL` in the schema), without asking its
    /// type: two calls into SQLite a row instead of three (a NULL would read as no bytes).
    pub(super) fn bytes_of_not_null(&self, column: c_int) -> &'s [u8] {
        let stmt = self.stmt.as_ptr();
        // SAFETY: as in `int`. `sqlite3_column_blob` before `sqlite3_column_bytes`, as SQLite's
        // documentation asks; the pointer stays valid until the next step or finalize, which
        // cannot happen while the statement is borrowed for `'s`.
        unsafe {
            let data = ffi::sqlite3_column_blob(stmt, column).cast::<u8>();
            let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, column)).unwrap_or(0);
            if data.is_null() || len == 0 {
                return &[];
            }
            std::slice::from_raw_parts(data, len)
        }
    }

    /// A BLOB or TEXT column's bytes, `None` when NULL.
    pub(super) fn bytes(&self, column: c_int) -> Option<&'s [u8]> {
        // SAFETY: as in `int`.
        let null =
            unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), column) } == ffi::SQLITE_NULL;
        (!null).then(|| self.bytes_of_not_null(column))
    }
}

/// Runs `sql` (one read statement) with `binds` on a connection of `pool`, calling `row` for
/// every row in order. `what` names the operation in errors.
pub(super) async fn for_each_row(
    pool: &SqlitePool,
    what: &'static str,
    sql: &str,
    binds: &[Bind<'_>],
    mut row: impl FnMut(RawRow<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(StoreError::query(what))?;
    let mut handle = conn.lock_handle().await.map_err(StoreError::query(what))?;
    let db = handle.as_raw_handle();
    let failed = |e: RawError| e.into_store(what);
    // SAFETY: sqlx lent the open connection: its worker makes no call on it while `handle` is
    // held, and the statement is dropped (finalized) before `handle` is.
    let Some(mut stmt) = (unsafe { RawStatement::prepare(db, sql) }).map_err(failed)? else {
        return Ok(()); // Only blank SQL prepares to nothing.
    };
    stmt.bind(binds).map_err(failed)?;
    while stmt.step().map_err(failed)? {
        row(stmt.row())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn rows_come_back_in_order_with_nulls_text_and_bytes_and_bad_sql_is_an_error() {
        let store = Store::open_in_memory().await.unwrap();
        let sql = "SELECT 7, NULL, 'é' || ?, x'00ff', ? UNION ALL SELECT 8, 'b', '', x'', 0";
        let mut seen = Vec::new();
        for_each_row(
            &store.reader,
            "a test query",
            sql,
            &[Bind::Text("t"), Bind::Int(-3)],
            |row| {
                let text = |c| row.text(c).unwrap().map(str::to_owned);
                seen.push((
                    row.int(0),
                    text(1),
                    text(2),
                    row.bytes(3).map(<[u8]>::to_vec),
                    row.int(4),
                ));
                Ok(())
            },
        )
        .await
        .unwrap();
        assert_eq!(
            seen,
            [
                (7, None, Some("ét".to_owned()), Some(vec![0, 255]), -3),
                (
                    8,
                    Some("b".to_owned()),
                    Some(String::new()),
                    Some(vec![]),
                    0
                ),
            ]
        );
        let err = for_each_row(
            &store.reader,
            "a bad query",
            "SELECT nope FROM nowhere",
            &[],
            |_| Ok(()),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("no such table"), "{err}");
        assert!(err.to_string().starts_with("a bad query failed"), "{err}");
    }
}
