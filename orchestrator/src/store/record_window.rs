//! A session's records in a time window, a page at a time (keyset pagination by `(at_ms, id)`):
//! what a replay reads around its play head, in the dashboard and to MQTT. Each page is one
//! short read on the read pool, so a server writing the same WAL file is never held up.

use fleet_protocol::RobotId;
use sqlx::{QueryBuilder, Sqlite};

use super::records::RecordRow;
use super::{ReplayCursor, SessionId, Store, StoreError, StoredRecord};

/// Most rows one page may ask for: a page stays a few MB whatever a client asks.
pub const MAX_WINDOW_ROWS: u32 = 10_000;

/// Records of `session` received in `[from_ms, to_ms)`, strictly after `after`, up to `limit`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowQuery {
    pub session: SessionId,
    /// Only these robots' records, plus the fleet-wide ones; empty: every robot.
    pub robots: Vec<RobotId>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub after: Option<ReplayCursor>,
    pub limit: u32,
}

impl WindowQuery {
    /// Every record of `session`, from the first page.
    pub fn whole(session: SessionId, limit: u32) -> Self {
        Self {
            session,
            robots: Vec::new(),
            from_ms: i64::MIN,
            to_ms: i64::MAX,
            after: None,
            limit,
        }
    }

    /// The same window, continuing after `page`'s last record; `None` when `page` was the last.
    pub fn next(&self, page: &[StoredRecord]) -> Option<Self> {
        if page.len() < self.limit.clamp(1, MAX_WINDOW_ROWS) as usize {
            return None;
        }
        page.last().map(|last| Self {
            after: Some(last.cursor()),
            ..self.clone()
        })
    }
}

impl Store {
    /// One page of [`WindowQuery`], in replay order (time, then arrival).
    pub async fn records_in_window(
        &self,
        query: &WindowQuery,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let after = query.after.unwrap_or(ReplayCursor {
            at_ms: i64::MIN,
            id: i64::MIN,
        });
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT id, session_id, robot_id, kind, at_ms, topic, payload FROM records \
             WHERE session_id = ",
        );
        sql.push_bind(query.session)
            .push(" AND at_ms >= ")
            .push_bind(query.from_ms)
            .push(" AND at_ms < ")
            .push_bind(query.to_ms);
        if !query.robots.is_empty() {
            sql.push(" AND (robot_id IS NULL OR robot_id IN (");
            let mut list = sql.separated(", ");
            for robot in &query.robots {
                list.push_bind(robot.as_str());
            }
            sql.push("))");
        }
        sql.push(" AND (at_ms, id) > (")
            .push_bind(after.at_ms)
            .push(", ")
            .push_bind(after.id)
            .push(") ORDER BY at_ms, id LIMIT ")
            .push_bind(query.limit.clamp(1, MAX_WINDOW_ROWS));
        let rows: Vec<RecordRow> = sql
            .build_query_as()
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::query("reading a window of a session's records"))?;
        rows.into_iter().map(RecordRow::into_stored).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::{Record, RecordKind};

    fn record(robot: Option<&str>, at_ms: i64) -> Record {
        let robot = robot.map(|r| RobotId::parse(r).unwrap());
        Record {
            topic: match &robot {
                Some(r) => fleet_protocol::topic::telemetry(r),
                None => fleet_protocol::topic::BROADCAST_CMD.to_owned(),
            },
            kind: if robot.is_some() {
                RecordKind::Telemetry
            } else {
                RecordKind::Command
            },
            robot,
            at_ms,
            payload: at_ms.to_string().into_bytes(),
        }
    }

    async fn read_window(store: &Store, mut query: WindowQuery) -> Vec<Record> {
        let mut all = Vec::new();
        loop {
            let page = store.records_in_window(&query).await.unwrap();
            all.extend(page.iter().map(|s| s.record.clone()));
            match query.next(&page) {
                Some(next) => query = next,
                None => return all,
            }
        }
    }

    #[tokio::test]
    async fn a_window_pages_through_its_span_only_in_time_then_arrival_order() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let other = store.start_session("other", 0).await.unwrap().id;
        let mut rows: Vec<_> = (0..40i64)
            .map(|i| (session, record(Some("t1"), (i * 13) % 20)))
            .collect();
        rows.push((other, record(Some("t1"), 10)));
        store.insert_records(&rows).await.unwrap();
        let query = WindowQuery {
            from_ms: 5,
            to_ms: 15,
            limit: 3,
            ..WindowQuery::whole(session, 3)
        };
        let read = read_window(&store, query).await;
        let mut expected: Vec<Record> = rows
            .iter()
            .filter(|(s, r)| *s == session && (5..15).contains(&r.at_ms))
            .map(|(_, r)| r.clone())
            .collect();
        expected.sort_by_key(|r| r.at_ms);
        assert_eq!(read, expected);
        assert_eq!(read.len(), 20);
    }

    #[tokio::test]
    async fn a_robot_filter_keeps_the_fleet_wide_records() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let rows = vec![
            (session, record(Some("t1"), 1)),
            (session, record(Some("t2"), 2)),
            (session, record(None, 3)),
        ];
        store.insert_records(&rows).await.unwrap();
        let query = WindowQuery {
            robots: vec![RobotId::parse("t2").unwrap()],
            ..WindowQuery::whole(session, 100)
        };
        let times: Vec<i64> = read_window(&store, query)
            .await
            .iter()
            .map(|r| r.at_ms)
            .collect();
        assert_eq!(times, [2, 3]);
    }

    #[tokio::test]
    async fn a_huge_limit_is_capped() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let query = WindowQuery::whole(session, u32::MAX);
        assert!(store.records_in_window(&query).await.unwrap().is_empty());
        assert_eq!(query.next(&[]), None);
    }
}
