//! Records: raw payloads with their times, written in batches and read back in time order.

use fleet_protocol::RobotId;
use sqlx::{FromRow, QueryBuilder, Sqlite};

use super::{Store, StoreError};
use crate::domain::{Record, RecordKind, SessionId};

/// Rows per multi-row INSERT: 7 bound values each keeps a statement at 3,500 variables, well
/// under SQLite's limit (32,766), and measured here gains nothing past a few hundred rows.
pub const ROWS_PER_STATEMENT: usize = 500;

/// A record read back, with where it sits in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: i64,
    pub session: SessionId,
    pub record: Record,
}

impl StoredRecord {
    /// Where a replay that has seen this record continues from.
    pub fn cursor(&self) -> ReplayCursor {
        ReplayCursor {
            at_ms: self.record.at_ms,
            id: self.id,
        }
    }
}

/// A position in a session's time order: records strictly after (`at_ms`, `id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayCursor {
    pub at_ms: i64,
    pub id: i64,
}

/// Which records to count; `None` fields match everything.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub session: Option<SessionId>,
    pub kind: Option<RecordKind>,
    pub robot: Option<RobotId>,
}

/// A `records` row as SQL returns it; [`RecordRow::into_stored`] checks it.
#[derive(FromRow)]
pub(super) struct RecordRow {
    id: i64,
    session_id: SessionId,
    robot_id: Option<String>,
    kind: String,
    at_ms: i64,
    topic: String,
    payload: Vec<u8>,
}

impl RecordRow {
    pub(super) fn into_stored(self) -> Result<StoredRecord, StoreError> {
        let bad = |problem: String| StoreError::BadRow {
            table: "records",
            row: self.id.to_string(),
            problem,
        };
        let kind = RecordKind::parse(&self.kind)
            .ok_or_else(|| bad(format!("unknown kind {:?}", self.kind)))?;
        let robot = match &self.robot_id {
            Some(raw) => Some(RobotId::parse(raw).map_err(|e| bad(format!("robot id: {e}")))?),
            None => None,
        };
        Ok(StoredRecord {
            id: self.id,
            session: self.session_id,
            record: Record {
                robot,
                kind,
                at_ms: self.at_ms,
                topic: self.topic,
                payload: self.payload,
            },
        })
    }
}

impl Store {
    /// Inserts every row in ONE transaction, as multi-row INSERTs of [`ROWS_PER_STATEMENT`],
    /// with the telemetry packed for grading (`telemetry_packs.rs`): either all rows are stored
    /// or none (so a retry never duplicates). Returns the row count.
    pub async fn insert_records(&self, rows: &[(SessionId, Record)]) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let packs = super::telemetry_packs::packs_of(rows);
        let mut tx = self
            .begin_immediate("beginning a records transaction")
            .await?;
        let mut written = 0;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO records (session_id, robot_id, kind, at_ms, topic, payload) ",
            );
            insert.push_values(chunk, |mut row, (session, record)| {
                row.push_bind(*session)
                    .push_bind(record.robot.as_ref().map(RobotId::as_str))
                    .push_bind(record.kind.as_str())
                    .push_bind(record.at_ms)
                    .push_bind(record.topic.as_str())
                    .push_bind(record.payload.as_slice());
            });
            written += insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("inserting a batch of records"))?
                .rows_affected();
        }
        super::telemetry_packs::insert_packs(&mut tx, &packs).await?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing a batch of records"))?;
        Ok(written)
    }

    pub async fn count_records(&self, filter: &RecordFilter) -> Result<u64, StoreError> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM records WHERE 1 = 1");
        if let Some(session) = filter.session {
            count.push(" AND session_id = ").push_bind(session);
        }
        if let Some(kind) = filter.kind {
            count.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(robot) = &filter.robot {
            count.push(" AND robot_id = ").push_bind(robot.as_str());
        }
        let n: i64 = count
            .build_query_scalar()
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::query("counting records"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Up to `limit` records of `session` in time order (arrival order for equal times), after
    /// `after`. A replay pages through a long session without holding it all in memory.
    pub async fn session_records(
        &self,
        session: SessionId,
        after: Option<ReplayCursor>,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let after = after.unwrap_or(ReplayCursor {
            at_ms: i64::MIN,
            id: i64::MIN,
        });
        let rows = sqlx::query_as::<_, RecordRow>(
            "SELECT id, session_id, robot_id, kind, at_ms, topic, payload FROM records \
             WHERE session_id = ? AND (at_ms, id) > (?, ?) ORDER BY at_ms, id LIMIT ?",
        )
        .bind(session)
        .bind(after.at_ms)
        .bind(after.id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's records"))?;
        rows.into_iter().map(RecordRow::into_stored).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(robot: &str, kind: RecordKind, at_ms: i64, payload: Vec<u8>) -> Record {
        let robot = RobotId::parse(robot).unwrap();
        Record {
            topic: fleet_protocol::topic::telemetry(&robot),
            robot: Some(robot),
            kind,
            at_ms,
            payload,
        }
    }

    #[tokio::test]
    async fn a_batch_larger_than_one_statement_reads_back_raw_and_in_time_order() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        // Written out of time order, with payloads that are not UTF-8, across several statements.
        let rows: Vec<(SessionId, Record)> = (0..1_234i64)
            .map(|i| {
                let at_ms = (i * 7_919) % 1_234;
                let payload = vec![0xff, (i % 251) as u8, 0x00, (i / 251) as u8];
                (
                    session,
                    record("tank-1", RecordKind::Telemetry, at_ms, payload),
                )
            })
            .collect();
        assert_eq!(store.insert_records(&rows).await.unwrap(), 1_234);

        let mut read = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.session_records(session, cursor, 100).await.unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(last.cursor());
            read.extend(page);
        }
        let mut expected: Vec<Record> = rows.into_iter().map(|(_, r)| r).collect();
        expected.sort_by_key(|r| r.at_ms);
        let read: Vec<Record> = read.into_iter().map(|s| s.record).collect();
        assert_eq!(read, expected);
    }

    #[tokio::test]
    async fn equal_times_replay_in_arrival_order() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let rows: Vec<_> = (0..5u8)
            .map(|i| (session, record("tank-1", RecordKind::Event, 42, vec![i])))
            .collect();
        store.insert_records(&rows).await.unwrap();
        let payloads: Vec<Vec<u8>> = store
            .session_records(session, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.record.payload)
            .collect();
        assert_eq!(payloads, [[0], [1], [2], [3], [4]]);
    }

    #[tokio::test]
    async fn records_are_counted_by_session_kind_and_robot() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.start_session("first", 0).await.unwrap().id;
        let second = store.start_session("second", 10).await.unwrap().id;
        let mut fleet_stop = record("tank-1", RecordKind::Command, 3, b"{}".to_vec());
        fleet_stop.robot = None;
        let rows = vec![
            (first, record("tank-1", RecordKind::Telemetry, 1, vec![])),
            (first, record("tank-2", RecordKind::Telemetry, 2, vec![])),
            (first, fleet_stop),
            (second, record("tank-1", RecordKind::Event, 11, vec![])),
        ];
        store.insert_records(&rows).await.unwrap();
        let count = |session, kind, robot: Option<&str>| {
            let filter = RecordFilter {
                session,
                kind,
                robot: robot.map(|r| RobotId::parse(r).unwrap()),
            };
            let store = store.clone();
            async move { store.count_records(&filter).await.unwrap() }
        };
        assert_eq!(count(None, None, None).await, 4);
        assert_eq!(count(Some(first), None, None).await, 3);
        assert_eq!(
            count(Some(first), Some(RecordKind::Telemetry), None).await,
            2
        );
        assert_eq!(count(None, None, Some("tank-1")).await, 2);
        assert_eq!(
            count(Some(second), Some(RecordKind::Event), Some("tank-1")).await,
            1
        );
        assert_eq!(count(Some(second), Some(RecordKind::Ack), None).await, 0);
    }

    #[tokio::test]
    async fn a_batch_naming_an_unknown_session_is_refused_whole() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let rows = vec![
            (session, record("tank-1", RecordKind::Telemetry, 1, vec![1])),
            (
                SessionId(999),
                record("tank-1", RecordKind::Telemetry, 2, vec![2]),
            ),
        ];
        assert!(store.insert_records(&rows).await.is_err());
        assert_eq!(
            store.count_records(&RecordFilter::default()).await.unwrap(),
            0
        );
    }
}
