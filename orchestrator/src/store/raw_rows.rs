//! A read query stepped through SQLite's C API on a connection of the read pool, its rows lent
//! to the caller in place: for the export's pages, where sqlx's per-row work (a copy of every
//! value, a hand-over from its worker thread) cost more than SQLite reading the rows (see
//! `record_stream.rs` and the export bench).
//!
//! Like `direct_read.rs` (grading's own connection), the `unsafe` is kept small: every call is
//! on a handle sqlx lends through `lock_handle` (its worker thread makes no call on the
//! connection meanwhile), every statement is finalized by a guard, and a row's borrowed text
//! and bytes live only until the next step, which the borrow of [`RawRow`] enforces.

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

/// The current row of a stepping statement.
pub(super) struct RawRow<'s> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _step: PhantomData<&'s ()>,
}

impl RawRow<'_> {
    pub(super) fn int(&self, column: c_int) -> i64 {
        // SAFETY: a prepared statement positioned on a row (see `for_each_row`).
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), column) }
    }

    /// A TEXT column, `None` when NULL; an error when it is not UTF-8 (SQLite never checks).
    pub(super) fn text(&self, column: c_int) -> Result<Option<&str>, std::str::Utf8Error> {
        match self.bytes(column) {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(bytes).map(Some),
        }
    }

    /// A BLOB or TEXT column's bytes, `None` when NULL.
    pub(super) fn bytes(&self, column: c_int) -> Option<&[u8]> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: as in `int`. `sqlite3_column_blob` before `sqlite3_column_bytes`, as SQLite's
        // documentation asks; the pointer stays valid until the next step or finalize, which
        // cannot happen while `self` (borrowed from the step) is alive.
        unsafe {
            if ffi::sqlite3_column_type(stmt, column) == ffi::SQLITE_NULL {
                return None;
            }
            let data = ffi::sqlite3_column_blob(stmt, column).cast::<u8>();
            let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, column)).unwrap_or(0);
            if data.is_null() || len == 0 {
                return Some(&[]);
            }
            Some(std::slice::from_raw_parts(data, len))
        }
    }
}

/// Finalizes the statement however the reading ends.
struct Statement(NonNull<ffi::sqlite3_stmt>);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `for_each_row` and finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
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
    let db = handle.as_raw_handle().as_ptr();
    let failed = |code: c_int| {
        // SAFETY: `db` is the open connection sqlx lent; the message is copied at once.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy();
        StoreError::query(what)(sqlx::Error::Protocol(format!(
            "SQLite error {code}: {message}"
        )))
    };
    let len = c_int::try_from(sql.len()).map_err(|_| failed(ffi::SQLITE_TOOBIG))?;
    let mut raw = ptr::null_mut();
    // SAFETY: `sql` outlives the call and its length is given, so it needs no NUL.
    let code = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast::<c_char>(),
            len,
            &mut raw,
            ptr::null_mut(),
        )
    };
    if code != ffi::SQLITE_OK {
        return Err(failed(code));
    }
    let Some(stmt) = NonNull::new(raw).map(Statement) else {
        return Ok(()); // Only blank SQL prepares to nothing.
    };
    for (i, bind) in binds.iter().enumerate() {
        let index = c_int::try_from(i + 1).map_err(|_| failed(ffi::SQLITE_RANGE))?;
        // SAFETY: a prepared statement; SQLITE_TRANSIENT makes SQLite copy the text.
        let code = unsafe {
            match *bind {
                Bind::Int(v) => ffi::sqlite3_bind_int64(stmt.0.as_ptr(), index, v),
                Bind::Text(text) => ffi::sqlite3_bind_text(
                    stmt.0.as_ptr(),
                    index,
                    text.as_ptr().cast::<c_char>(),
                    c_int::try_from(text.len()).map_err(|_| failed(ffi::SQLITE_TOOBIG))?,
                    ffi::SQLITE_TRANSIENT(),
                ),
            }
        };
        if code != ffi::SQLITE_OK {
            return Err(failed(code));
        }
    }
    loop {
        // SAFETY: a prepared, bound statement, stepped on the thread holding the handle.
        match unsafe { ffi::sqlite3_step(stmt.0.as_ptr()) } {
            ffi::SQLITE_ROW => row(RawRow {
                stmt: stmt.0,
                _step: PhantomData,
            })?,
            ffi::SQLITE_DONE => return Ok(()),
            code => return Err(failed(code)),
        }
    }
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
