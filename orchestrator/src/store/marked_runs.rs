//! Runs the teacher marks by hand: "start run" and "end run" on one robot while a session
//! records (issue 11). At most one run per robot is open (the schema enforces it); a run left
//! open when its session stopped ends with the session, and is closed for good the next time
//! its robot starts a run. Times are the orchestrator's clock, the one records are stamped on.

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{SessionId, Store, StoreError};

/// A marked run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedRun {
    pub id: i64,
    pub session: SessionId,
    pub robot: RobotId,
    /// What the teacher called it, if anything.
    pub label: Option<String>,
    pub started_at_ms: i64,
    /// When the teacher ended it (or its session stopped); `None` while it runs.
    pub ended_at_ms: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MarkedRunError {
    #[error("no session is recording: start a session before marking a run")]
    NoSession,
    #[error("robot {robot} already has run {id} started: end it before starting another")]
    AlreadyStarted { robot: RobotId, id: i64 },
    #[error("robot {0} has no run started: start one first")]
    NotStarted(RobotId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(FromRow)]
struct Row {
    id: i64,
    session_id: i64,
    robot_id: String,
    label: Option<String>,
    started_at_ms: i64,
    ended_at_ms: Option<i64>,
}

impl TryFrom<Row> for MarkedRun {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(MarkedRun {
            robot: RobotId::parse(&r.robot_id).map_err(|e| StoreError::BadRow {
                table: "marked_runs",
                row: r.id.to_string(),
                problem: e.to_string(),
            })?,
            id: r.id,
            session: SessionId(r.session_id),
            label: r.label,
            started_at_ms: r.started_at_ms,
            ended_at_ms: r.ended_at_ms,
        })
    }
}

/// The start of a query listing runs: a run's end is the teacher's, else its stopped
/// session's.
macro_rules! listed {
    () => {
        "SELECT r.id, r.session_id, r.robot_id, r.label, r.started_at_ms, \
         COALESCE(r.ended_at_ms, s.stopped_at_ms) AS ended_at_ms \
         FROM marked_runs r JOIN sessions s ON s.id = r.session_id"
    };
}

fn rows(rows: Vec<Row>) -> Result<Vec<MarkedRun>, StoreError> {
    rows.into_iter().map(MarkedRun::try_from).collect()
}

impl Store {
    /// Starts a run of `robot` at `at_ms` in the recording session.
    pub async fn start_marked_run(
        &self,
        robot: &RobotId,
        label: Option<&str>,
        at_ms: i64,
    ) -> Result<MarkedRun, MarkedRunError> {
        let mut tx = self.begin_immediate("beginning to start a run").await?;
        let session: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, started_at_ms FROM sessions WHERE stopped_at_ms IS NULL")
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::query("finding the recording session"))?;
        let (session, session_start) = session.ok_or(MarkedRunError::NoSession)?;
        // A run left open by a session that stopped since ended with that session.
        sqlx::query(
            "UPDATE marked_runs SET ended_at_ms = MAX(started_at_ms, \
               (SELECT stopped_at_ms FROM sessions s WHERE s.id = session_id)) \
             WHERE robot_id = ?1 AND ended_at_ms IS NULL AND session_id IN \
               (SELECT id FROM sessions WHERE stopped_at_ms IS NOT NULL)",
        )
        .bind(robot.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("closing a run its session ended"))?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM marked_runs WHERE robot_id = ? AND ended_at_ms IS NULL",
        )
        .bind(robot.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(StoreError::query("finding a robot's open run"))?;
        if let Some(id) = open {
            return Err(MarkedRunError::AlreadyStarted {
                robot: robot.clone(),
                id,
            });
        }
        let row = sqlx::query_as::<_, Row>(
            "INSERT INTO marked_runs (session_id, robot_id, label, started_at_ms) \
             VALUES (?1, ?2, ?3, MAX(?4, ?5)) \
             RETURNING id, session_id, robot_id, label, started_at_ms, ended_at_ms",
        )
        .bind(session)
        .bind(robot.as_str())
        .bind(label)
        .bind(at_ms)
        .bind(session_start)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("starting a run"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing a started run"))?;
        Ok(MarkedRun::try_from(row)?)
    }

    /// Ends `robot`'s open run at `at_ms` (at its session's stop, if that came first).
    pub async fn end_marked_run(
        &self,
        robot: &RobotId,
        at_ms: i64,
    ) -> Result<MarkedRun, MarkedRunError> {
        let row = sqlx::query_as::<_, Row>(
            "UPDATE marked_runs SET ended_at_ms = MAX(started_at_ms, MIN(?1, COALESCE( \
               (SELECT stopped_at_ms FROM sessions s WHERE s.id = session_id), ?1))) \
             WHERE robot_id = ?2 AND ended_at_ms IS NULL \
             RETURNING id, session_id, robot_id, label, started_at_ms, ended_at_ms",
        )
        .bind(at_ms)
        .bind(robot.as_str())
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("ending a run"))?;
        let row = row.ok_or_else(|| MarkedRunError::NotStarted(robot.clone()))?;
        Ok(MarkedRun::try_from(row)?)
    }

    /// A session's marked runs, in the order they were started.
    pub async fn session_marked_runs(
        &self,
        session: SessionId,
    ) -> Result<Vec<MarkedRun>, StoreError> {
        let found =
            sqlx::query_as::<_, Row>(concat!(listed!(), " WHERE r.session_id = ? ORDER BY r.id"))
                .bind(session)
                .fetch_all(&self.writer)
                .await
                .map_err(StoreError::query("listing a session's runs"))?;
        rows(found)
    }

    /// The runs open now (in the recording session), by robot. Read on the writer: a run just
    /// started must show on the next request.
    pub async fn open_marked_runs(&self) -> Result<Vec<MarkedRun>, StoreError> {
        let found = sqlx::query_as::<_, Row>(concat!(
            listed!(),
            " WHERE r.ended_at_ms IS NULL AND s.stopped_at_ms IS NULL ORDER BY r.robot_id"
        ))
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing the open runs"))?;
        rows(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tank(id: &str) -> RobotId {
        RobotId::parse(id).unwrap()
    }

    #[tokio::test]
    async fn a_run_is_started_and_ended_once_and_listed_with_its_session() {
        let store = Store::open_in_memory().await.unwrap();
        let r1 = tank("r1");
        let err = store.start_marked_run(&r1, None, 10).await.unwrap_err();
        assert!(matches!(err, MarkedRunError::NoSession), "{err}");
        let session = store.start_session("class", 100).await.unwrap().id;

        let err = store.end_marked_run(&r1, 150).await.unwrap_err();
        assert!(matches!(err, MarkedRunError::NotStarted(_)), "{err}");
        // A start before the session began is moved to its start.
        let run = store
            .start_marked_run(&r1, Some("try 1"), 90)
            .await
            .unwrap();
        assert_eq!((run.session, run.started_at_ms), (session, 100));
        assert_eq!(run.ended_at_ms, None);
        let err = store.start_marked_run(&r1, None, 200).await.unwrap_err();
        assert!(
            matches!(err, MarkedRunError::AlreadyStarted { id, .. } if id == run.id),
            "{err}"
        );
        assert!(err.to_string().contains("r1"), "{err}");
        assert_eq!(store.open_marked_runs().await.unwrap(), vec![run.clone()]);

        let ended = store.end_marked_run(&r1, 400).await.unwrap();
        assert_eq!((ended.id, ended.ended_at_ms), (run.id, Some(400)));
        let err = store.end_marked_run(&r1, 500).await.unwrap_err();
        assert!(matches!(err, MarkedRunError::NotStarted(_)), "{err}");
        assert!(store.open_marked_runs().await.unwrap().is_empty());
        let again = store.start_marked_run(&r1, None, 600).await.unwrap();
        let listed = store.session_marked_runs(session).await.unwrap();
        assert_eq!(listed, vec![ended, again]);
    }

    #[tokio::test]
    async fn a_run_left_open_ends_with_its_session_and_does_not_block_the_next() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.start_session("first", 100).await.unwrap().id;
        let r1 = tank("r1");
        let open = store.start_marked_run(&r1, None, 200).await.unwrap();
        store.stop_session(900).await.unwrap();
        let listed = store.session_marked_runs(first).await.unwrap();
        assert_eq!(listed[0].ended_at_ms, Some(900), "ends with the session");
        assert!(store.open_marked_runs().await.unwrap().is_empty());

        let second = store.start_session("second", 1_000).await.unwrap().id;
        let next = store.start_marked_run(&r1, None, 1_100).await.unwrap();
        assert_eq!(next.session, second);
        assert_ne!(next.id, open.id);
        let closed = store.session_marked_runs(first).await.unwrap();
        assert_eq!(closed[0].ended_at_ms, Some(900));
        // Another robot's run is its own.
        let r2 = store
            .start_marked_run(&tank("r2"), None, 1_200)
            .await
            .unwrap();
        assert_eq!(store.open_marked_runs().await.unwrap(), vec![next, r2]);
    }
}
