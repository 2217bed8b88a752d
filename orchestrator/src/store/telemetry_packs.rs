//! Telemetry packed for grading (migration 0015, [`crate::grading::sample_pack`]): each insert
//! of records also writes, in its transaction, one pack a robot of that insert's telemetry rows,
//! in the order written. Grading reads the packs of a session instead of its payloads while
//! the session's counts say the packs hold every telemetry row of it.

use std::collections::HashMap;

use fleet_protocol::RobotId;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{SessionId, StoreError};
use crate::domain::{Record, RecordKind};
use crate::grading::sample_pack::Packer;

/// Packs per multi-row INSERT (4 bound values each).
const PACKS_PER_STATEMENT: usize = 500;

/// A session's packed rows and the pack ids they lie between (the store writes one session at
/// a time, so its packs are most of those ids): no row unless the packs hold every telemetry
/// row of the session, and it has some. Columns packed, first, last.
pub(super) const SESSION_PACKS_SQL: &str = "SELECT s.packed, \
     (SELECT MIN(id) FROM telemetry_packs WHERE session_id = ?1), \
     (SELECT MAX(id) FROM telemetry_packs WHERE session_id = ?1) \
     FROM session_sizes AS s WHERE s.session_id = ?1 AND s.telemetry = s.packed \
     AND s.packed > 0";

/// The packs of session ?3 with an id in `[?1, ?2]`, in id order (the order written), walked in
/// table order. Columns robot_id, rows, pack.
pub(super) const SESSION_PACKS_BY_ID_SQL: &str = "SELECT robot_id, rows, pack FROM telemetry_packs NOT INDEXED \
     WHERE id BETWEEN ?1 AND ?2 AND session_id = ?3";

/// One pack to write: whose, how many rows, the bytes.
pub(super) struct NewPack<'a> {
    session: SessionId,
    robot: Option<&'a RobotId>,
    rows: u32,
    pack: Vec<u8>,
}

/// The packs of `rows`' telemetry: one per session and robot, its rows in the order given (the
/// order the records are inserted in, so their ids' order). Made before the write transaction
/// begins, so the recorder's lock is not held while payloads are decoded.
pub(super) fn packs_of(rows: &[(SessionId, Record)]) -> Vec<NewPack<'_>> {
    let mut packs: Vec<(SessionId, Option<&RobotId>, Packer)> = Vec::new();
    let mut index: HashMap<(SessionId, Option<&RobotId>), usize> = HashMap::new();
    for (session, record) in rows {
        if record.kind != RecordKind::Telemetry {
            continue;
        }
        let key = (*session, record.robot.as_ref());
        let at = *index.entry(key).or_insert_with(|| {
            packs.push((key.0, key.1, Packer::new()));
            packs.len() - 1
        });
        packs[at].2.push_payload(&record.payload, record.at_ms);
    }
    packs
        .into_iter()
        .map(|(session, robot, packer)| NewPack {
            session,
            robot,
            rows: packer.rows(),
            pack: packer.finish(),
        })
        .collect()
}

/// Writes `packs`, in order, in the caller's transaction (the one that writes their records).
pub(super) async fn insert_packs(
    db: &mut SqliteConnection,
    packs: &[NewPack<'_>],
) -> Result<(), StoreError> {
    for chunk in packs.chunks(PACKS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO telemetry_packs (session_id, robot_id, rows, pack) ",
        );
        insert.push_values(chunk, |mut row, p| {
            row.push_bind(p.session)
                .push_bind(p.robot.map(RobotId::as_str))
                .push_bind(i64::from(p.rows))
                .push_bind(p.pack.as_slice());
        });
        insert
            .build()
            .execute(&mut *db)
            .await
            .map_err(StoreError::query("packing a batch of telemetry"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::super::run_rows::tests::record;
    use crate::domain::RecordKind;

    /// The session's (telemetry, packed) counts.
    async fn counts(store: &Store, session: crate::domain::SessionId) -> (Option<i64>, i64) {
        sqlx::query_as("SELECT telemetry, packed FROM session_sizes WHERE session_id = ?")
            .bind(session)
            .fetch_one(&store.reader)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn every_insert_packs_its_telemetry_a_pack_a_robot_and_the_counts_say_so() {
        let store = Store::open_in_memory().await.unwrap();
        let s = store.start_session("class", 0).await.unwrap().id;
        let other = store.start_session("other", 0).await.unwrap().id;
        let mut rows = Vec::new();
        for at in 0..30 {
            let robot = ["r1", "r2"][at as usize % 2];
            let kind = [RecordKind::Telemetry, RecordKind::Event][usize::from(at % 5 == 0)];
            rows.push((s, record(Some(robot), kind, at)));
        }
        rows.push((other, record(Some("r1"), RecordKind::Telemetry, 3)));
        rows.push((s, record(None, RecordKind::Telemetry, 4)));
        store.insert_records(&rows).await.unwrap();
        store.insert_records(&rows[..4]).await.unwrap();
        let packs: Vec<(i64, Option<String>, i64)> =
            sqlx::query_as("SELECT session_id, robot_id, rows FROM telemetry_packs ORDER BY id")
                .fetch_all(&store.reader)
                .await
                .unwrap();
        let (s, other) = (s.0, other.0);
        let r = |name: &str| Some(name.to_owned());
        assert_eq!(
            packs,
            [
                (s, r("r2"), 12),
                (s, r("r1"), 12),
                (other, r("r1"), 1),
                (s, None, 1),
                (s, r("r2"), 2),
                (s, r("r1"), 1),
            ]
        );
        assert_eq!(
            counts(&store, crate::domain::SessionId(s)).await,
            (Some(28), 28)
        );
        assert_eq!(
            counts(&store, crate::domain::SessionId(other)).await,
            (Some(1), 1)
        );
    }

    #[tokio::test]
    async fn a_deleted_or_changed_record_or_pack_parts_the_counts() {
        let store = Store::open_in_memory().await.unwrap();
        let mut sessions = Vec::new();
        for _ in 0..4 {
            let s = store.start_session("class", 0).await.unwrap().id;
            let rows: Vec<_> = (0..10)
                .map(|at| (s, record(Some("r1"), RecordKind::Telemetry, at)))
                .collect();
            store.insert_records(&rows).await.unwrap();
            assert_eq!(counts(&store, s).await, (Some(10), 10));
            sessions.push(s);
        }
        let [deleted, changed, pack_gone, pack_changed] = sessions[..] else {
            unreachable!()
        };
        for (sql, s) in [
            (
                "DELETE FROM records WHERE id = (SELECT MIN(id) FROM records WHERE session_id = ?)",
                deleted,
            ),
            (
                "UPDATE records SET payload = x'78' WHERE id = \
                 (SELECT MIN(id) FROM records WHERE session_id = ?)",
                changed,
            ),
            (
                "DELETE FROM telemetry_packs WHERE session_id = ?",
                pack_gone,
            ),
            (
                "UPDATE telemetry_packs SET pack = x'00' WHERE session_id = ?",
                pack_changed,
            ),
        ] {
            sqlx::query(sql)
                .bind(s)
                .execute(&store.writer)
                .await
                .unwrap();
        }
        assert_eq!(counts(&store, deleted).await, (Some(9), 10));
        assert_eq!(counts(&store, changed).await, (None, 10));
        assert_eq!(counts(&store, pack_gone).await, (Some(10), 0));
        assert_eq!(counts(&store, pack_changed).await, (None, 10));
    }
}
