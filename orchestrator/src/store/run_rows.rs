//! The rows one graded run reads: one robot's telemetry, events and commands over a span of a
//! session, plus the fleet-wide commands, in replay order. Only the columns the grader uses
//! (no topic, no robot id to parse), through the robot's own index rather than a walk over the
//! whole session's rows, which a class of thirty robots makes thirty times longer.

use std::path::{Path, PathBuf};

use fleet_protocol::RobotId;

use super::{SessionId, Store, StoreError};
use crate::domain::RecordKind;

/// A row of a run (the grader borrows from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub kind: String,
    pub at_ms: i64,
    /// A fleet-wide record (a broadcast command), not the robot's own.
    pub fleet_wide: bool,
    pub payload: Vec<u8>,
}

impl RunRow {
    /// `None` for a kind this build does not know (a newer server wrote it).
    pub fn record_kind(&self) -> Option<RecordKind> {
        RecordKind::parse(&self.kind)
    }
}

/// The run's query with `filter` naming whose rows (`?4` is the robot).
macro_rules! run_sql {
    ($filter:literal) => {
        concat!(
            "SELECT id, kind, at_ms, payload FROM records ",
            // `+`: not by the session's index (all robots' rows), by the robot's.
            "WHERE +session_id = ?1 AND at_ms BETWEEN ?2 AND ?3 AND ",
            $filter,
            " ORDER BY at_ms, id"
        )
    };
}

/// The robot's own rows (`?4` the robot) and the fleet-wide ones; columns id, kind, at_ms,
/// payload. Read here through the pool, for an in-memory store.
pub(super) const OWN_ROWS_SQL: &str =
    run_sql!("robot_id = ?4 AND kind IN ('telemetry', 'event', 'command')");
pub(super) const FLEET_ROWS_SQL: &str = run_sql!("robot_id IS NULL AND kind = 'command'");

/// Every run's rows of a session at once (`?1`; time `?2..=?3`), by the session's time index,
/// in replay order. Columns id, robot_id, kind, at_ms, payload. Read in `direct_read.rs`,
/// which keeps the same kinds as above; the caller keeps its robots' rows and the fleet-wide
/// commands.
pub(super) const SESSION_ROWS_SQL: &str = "SELECT id, robot_id, kind, at_ms, payload FROM records \
     WHERE session_id = ?1 AND at_ms BETWEEN ?2 AND ?3 ORDER BY at_ms, id";

/// The rows of session ?3 with an id in `[?1, ?2]`, by id: `NOT INDEXED` keeps SQLite on the
/// table's own order (it would otherwise read the session index and seek each row).
pub(super) const SESSION_ROWS_BY_ID_SQL: &str = "SELECT id, robot_id, kind, at_ms, payload FROM records NOT INDEXED \
     WHERE id BETWEEN ?1 AND ?2 AND session_id = ?3";

/// Session ?1's events and commands in time `?2..=?3`, by their own index (migration 0006:
/// no telemetry row read), in replay order. Columns id, robot_id, kind, at_ms, payload.
pub(super) const SESSION_MARKS_SQL: &str = "SELECT id, robot_id, kind, at_ms, payload FROM records \
     INDEXED BY records_marks WHERE session_id = ?1 AND kind IN ('event', 'command') \
     AND at_ms BETWEEN ?2 AND ?3 ORDER BY at_ms, id";

/// A session's id bounds and row count (migration 0014).
pub(super) const SESSION_IDS_SQL: &str = "SELECT first_id, last_id, records FROM session_sizes \
     WHERE session_id = ?1 AND first_id IS NOT NULL AND records > 0";

impl Store {
    /// The database file, for a [`DirectReader`](super::DirectReader) of its own; `None` for
    /// an in-memory store (another connection would see another, empty database).
    pub fn file_path(&self) -> Option<PathBuf> {
        let options = self.reader.connect_options();
        // An in-memory store's name (`file:sqlx-in-memory-N`) is no file on disk.
        let path: &Path = options.get_filename();
        path.is_file().then(|| path.to_owned())
    }

    /// `robot`'s telemetry, event and command rows of `session` with `from_ms <= at_ms <=
    /// to_ms`, and the fleet-wide commands in that time, ordered by time, then arrival.
    pub async fn run_rows(
        &self,
        session: SessionId,
        robot: &RobotId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RunRow>, StoreError> {
        // Two index range scans merged here: `robot_id = ? OR robot_id IS NULL` would make
        // SQLite walk the session's rows of every robot instead.
        let own = self
            .rows_where(OWN_ROWS_SQL, session, Some(robot), (from_ms, to_ms))
            .await?;
        let fleet = self
            .rows_where(FLEET_ROWS_SQL, session, None, (from_ms, to_ms))
            .await?;
        Ok(merge(own, fleet))
    }
}

impl Store {
    async fn rows_where(
        &self,
        sql: &'static str,
        session: SessionId,
        robot: Option<&RobotId>,
        (from_ms, to_ms): (i64, i64),
    ) -> Result<Vec<RunRow>, StoreError> {
        let mut query = sqlx::query_as::<_, (i64, String, i64, Vec<u8>)>(sql)
            .bind(session)
            .bind(from_ms)
            .bind(to_ms);
        if let Some(robot) = robot {
            query = query.bind(robot.as_str());
        }
        let rows = query
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::query("reading a run's records"))?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, at_ms, payload)| RunRow {
                id,
                kind,
                at_ms,
                fleet_wide: robot.is_none(),
                payload,
            })
            .collect())
    }
}

/// Both lists in (at_ms, id) order, merged into one.
fn merge(own: Vec<RunRow>, fleet: Vec<RunRow>) -> Vec<RunRow> {
    if fleet.is_empty() {
        return own;
    }
    let mut out = Vec::with_capacity(own.len() + fleet.len());
    let mut fleet = fleet.into_iter().peekable();
    for row in own {
        while let Some(f) = fleet.next_if(|f| (f.at_ms, f.id) < (row.at_ms, row.id)) {
            out.push(f);
        }
        out.push(row);
    }
    out.extend(fleet);
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::Record;

    /// A record whose payload is its time, for the store's read tests.
    pub(in crate::store) fn record(robot: Option<&str>, kind: RecordKind, at_ms: i64) -> Record {
        Record {
            robot: robot.map(|r| RobotId::parse(r).unwrap()),
            kind,
            at_ms,
            topic: "t".into(),
            payload: format!("{at_ms}").into_bytes(),
        }
    }

    #[tokio::test]
    async fn a_run_reads_its_robots_rows_and_the_fleets_commands_in_replay_order() {
        let store = Store::open_in_memory().await.unwrap();
        let s = store.start_session("class", 0).await.unwrap().id;
        let other = store.start_session("other", 0).await.unwrap().id;
        let rows = [
            (s, record(Some("r1"), RecordKind::Telemetry, 20)),
            (s, record(None, RecordKind::Command, 20)),
            (s, record(Some("r2"), RecordKind::Telemetry, 20)),
            (s, record(Some("r1"), RecordKind::Status, 25)),
            (s, record(Some("r1"), RecordKind::Event, 10)),
            (s, record(None, RecordKind::Command, 5)),
            (s, record(Some("r1"), RecordKind::Command, 30)),
            (s, record(Some("r1"), RecordKind::Telemetry, 99)),
            (other, record(Some("r1"), RecordKind::Telemetry, 15)),
        ];
        store.insert_records(&rows).await.unwrap();
        let r1 = RobotId::parse("r1").unwrap();
        let got = store.run_rows(s, &r1, 5, 30).await.unwrap();
        let seen: Vec<(i64, &str, bool)> = got
            .iter()
            .map(|r| (r.at_ms, r.kind.as_str(), r.fleet_wide))
            .collect();
        assert_eq!(
            seen,
            [
                (5, "command", true),
                (10, "event", false),
                (20, "telemetry", false),
                (20, "command", true),
                (30, "command", false),
            ]
        );
        assert_eq!(got[2].payload, b"20");
        assert_eq!(got[0].record_kind(), Some(RecordKind::Command));
        assert_eq!(store.file_path(), None, "an in-memory store has no file");
    }
}
