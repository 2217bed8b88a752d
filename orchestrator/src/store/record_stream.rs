//! One session's records read in replay order a page at a time (keyset pagination), for exports
//! and downloads: memory stays flat however long the session, and no read transaction is held
//! between pages, so a server writing the same WAL file is never held up and can checkpoint.

use fleet_protocol::RobotId;
use sqlx::{QueryBuilder, Sqlite};

use super::records::RecordRow;
use super::{ReplayCursor, SessionId, Store, StoreError, StoredRecord};
use crate::domain::RecordKind;

/// Rows per page: large enough that the per-query cost vanishes, small enough to stay a few MB.
pub const PAGE_ROWS: u32 = 4_096;

/// Which of a session's records to read. Empty lists match everything.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordQuery {
    pub session: SessionId,
    /// Records of these robots, plus the fleet-wide ones (a broadcast estop concerns them too).
    pub robots: Vec<RobotId>,
    pub kinds: Vec<RecordKind>,
}

impl RecordQuery {
    /// Every record of `session`.
    pub fn session(session: SessionId) -> Self {
        Self {
            session,
            robots: Vec::new(),
            kinds: Vec::new(),
        }
    }

    /// Appends the filters to a query that already has a `WHERE`.
    fn push_filters(&self, sql: &mut QueryBuilder<Sqlite>) {
        sql.push(" AND session_id = ").push_bind(self.session);
        if !self.robots.is_empty() {
            sql.push(" AND (robot_id IS NULL OR robot_id IN (");
            let mut list = sql.separated(", ");
            for robot in &self.robots {
                list.push_bind(robot.as_str());
            }
            sql.push("))");
        }
        if !self.kinds.is_empty() {
            sql.push(" AND kind IN (");
            let mut list = sql.separated(", ");
            for kind in &self.kinds {
                list.push_bind(kind.as_str());
            }
            sql.push(")");
        }
    }
}

/// A cursor over the records a session held when [`Store::record_pages`] was called, in time
/// order (arrival order for equal times). Records committed later are not included, even in a
/// session still running: an export is a snapshot, whatever the recorder does meanwhile.
#[derive(Debug)]
pub struct RecordPages {
    store: Store,
    query: RecordQuery,
    /// The largest record id that existed at the start (ids only grow).
    last_id: i64,
    after: ReplayCursor,
    page_rows: u32,
    done: bool,
}

impl Store {
    /// Starts reading the records of `query` page by page (see [`RecordPages`]).
    pub async fn record_pages(&self, query: RecordQuery) -> Result<RecordPages, StoreError> {
        // The table's largest id rather than the session's: one step down the rowid tree instead
        // of a walk over the session's index entries, and just as good a bound.
        let last_id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM records")
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::query("finding the newest record"))?;
        Ok(RecordPages {
            store: self.clone(),
            done: last_id.is_none(),
            last_id: last_id.unwrap_or(0),
            query,
            after: ReplayCursor {
                at_ms: i64::MIN,
                id: i64::MIN,
            },
            page_rows: PAGE_ROWS,
        })
    }

    /// How many records `query` matches now (a progress bar's total).
    pub async fn count_matching(&self, query: &RecordQuery) -> Result<u64, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM records WHERE 1 = 1");
        query.push_filters(&mut sql);
        let n: i64 = sql
            .build_query_scalar()
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::query("counting a session's records"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl RecordPages {
    /// Sets the rows per page (at least 1), for tests and tuning.
    pub fn with_page_rows(mut self, rows: u32) -> Self {
        self.page_rows = rows.max(1);
        self
    }

    /// The next page, `None` once every record has been read. A page is never empty.
    pub async fn next_page(&mut self) -> Result<Option<Vec<StoredRecord>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT id, session_id, robot_id, kind, at_ms, topic, payload FROM records WHERE id <= ",
        );
        sql.push_bind(self.last_id);
        self.query.push_filters(&mut sql);
        sql.push(" AND (at_ms, id) > (")
            .push_bind(self.after.at_ms)
            .push(", ")
            .push_bind(self.after.id)
            .push(") ORDER BY at_ms, id LIMIT ")
            .push_bind(self.page_rows);
        let rows: Vec<RecordRow> = sql
            .build_query_as()
            .fetch_all(&self.store.reader)
            .await
            .map_err(StoreError::query("reading a page of a session's records"))?;
        if rows.len() < self.page_rows as usize {
            self.done = true;
        }
        let page = rows
            .into_iter()
            .map(RecordRow::into_stored)
            .collect::<Result<Vec<_>, _>>()?;
        match page.last() {
            Some(last) => self.after = last.cursor(),
            None => return Ok(None),
        }
        Ok(Some(page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Record;

    fn record(robot: Option<&str>, kind: RecordKind, at_ms: i64) -> Record {
        let robot = robot.map(|r| RobotId::parse(r).unwrap());
        Record {
            topic: match &robot {
                Some(r) => fleet_protocol::topic::telemetry(r),
                None => fleet_protocol::topic::BROADCAST_CMD.to_owned(),
            },
            robot,
            kind,
            at_ms,
            payload: at_ms.to_string().into_bytes(),
        }
    }

    async fn read_all(mut pages: RecordPages) -> Vec<Record> {
        let mut all = Vec::new();
        while let Some(page) = pages.next_page().await.unwrap() {
            assert!(!page.is_empty());
            all.extend(page.into_iter().map(|s| s.record));
        }
        all
    }

    #[tokio::test]
    async fn pages_cover_the_session_in_time_order_and_nothing_of_other_sessions() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.start_session("first", 0).await.unwrap().id;
        let second = store.start_session("second", 0).await.unwrap().id;
        let rows: Vec<_> = (0..25i64)
            .map(|i| {
                let session = if i % 5 == 0 { second } else { first };
                // Out of time order, with ties.
                let at_ms = (i * 7) % 10;
                (session, record(Some("t1"), RecordKind::Telemetry, at_ms))
            })
            .collect();
        store.insert_records(&rows).await.unwrap();
        let pages = store
            .record_pages(RecordQuery::session(first))
            .await
            .unwrap();
        let read = read_all(pages.with_page_rows(3)).await;
        let mut expected: Vec<Record> = rows
            .into_iter()
            .filter(|(s, _)| *s == first)
            .map(|(_, r)| r)
            .collect();
        // A stable sort keeps arrival order for equal times, as the store does.
        expected.sort_by_key(|r| r.at_ms);
        assert_eq!(read, expected);
        let counted = store
            .count_matching(&RecordQuery::session(first))
            .await
            .unwrap();
        assert_eq!(counted, 20);
    }

    #[tokio::test]
    async fn robot_and_kind_filters_keep_fleet_wide_records() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let rows = vec![
            (session, record(Some("t1"), RecordKind::Telemetry, 1)),
            (session, record(Some("t2"), RecordKind::Telemetry, 2)),
            (session, record(None, RecordKind::Command, 3)),
            (session, record(Some("t1"), RecordKind::Event, 4)),
            (session, record(Some("t3"), RecordKind::Command, 5)),
        ];
        store.insert_records(&rows).await.unwrap();
        let query = RecordQuery {
            robots: vec![RobotId::parse("t1").unwrap(), RobotId::parse("t3").unwrap()],
            kinds: vec![RecordKind::Telemetry, RecordKind::Command],
            ..RecordQuery::session(session)
        };
        let times: Vec<i64> = read_all(store.record_pages(query.clone()).await.unwrap())
            .await
            .iter()
            .map(|r| r.at_ms)
            .collect();
        assert_eq!(times, [1, 3, 5]);
        assert_eq!(store.count_matching(&query).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn records_committed_after_the_start_are_not_part_of_the_export() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let early: Vec<_> = (0..4)
            .map(|i| (session, record(Some("t1"), RecordKind::Telemetry, 10 + i)))
            .collect();
        store.insert_records(&early).await.unwrap();
        let mut pages = store
            .record_pages(RecordQuery::session(session))
            .await
            .unwrap()
            .with_page_rows(2);
        let first = pages.next_page().await.unwrap().unwrap();
        // Committed while the export runs: one before the cursor, one after it.
        let late = vec![
            (session, record(Some("t1"), RecordKind::Telemetry, 0)),
            (session, record(Some("t1"), RecordKind::Telemetry, 99)),
        ];
        store.insert_records(&late).await.unwrap();
        let mut times: Vec<i64> = first.iter().map(|s| s.record.at_ms).collect();
        while let Some(page) = pages.next_page().await.unwrap() {
            times.extend(page.iter().map(|s| s.record.at_ms));
        }
        assert_eq!(times, [10, 11, 12, 13]);
    }

    #[tokio::test]
    async fn an_empty_session_has_no_page() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let mut pages = store
            .record_pages(RecordQuery::session(session))
            .await
            .unwrap();
        assert_eq!(pages.next_page().await.unwrap(), None);
    }
}
