//! What a replay needs before its first page: a session's span, its robots and the moments its
//! timeline lists (estop, mission start and end, line lost). Every query here walks an index
//! (`records(session_id, at_ms)`, `records(robot_id, at_ms)`, the partial `records_marks`), so
//! an hours-long session of millions of records is summed up without reading its telemetry.

use fleet_protocol::RobotId;
use sqlx::FromRow;

use super::{Session, SessionId, Store, StoreError};

/// Event kinds (the payload's `kind`) a timeline jumps to.
pub const MARKED_EVENTS: [&str; 5] = [
    "estopped",
    "released",
    "line_lost",
    "line_follow_started",
    "line_follow_stopped",
];
/// Command kinds a timeline jumps to.
pub const MARKED_COMMANDS: [&str; 2] = ["estop", "release"];

/// One moment of a session worth jumping to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at_ms: i64,
    /// `None`: fleet-wide (a broadcast estop).
    pub robot: Option<RobotId>,
    /// `estopped`, `line_lost`, ... for events; `estop`, `release` for commands;
    /// `mission_started`, `mission_ended` for missions.
    pub what: String,
    /// A command's target (`every robot` or the robot), a mission's `#id kind`; else empty.
    pub detail: String,
    /// For `mission_started` / `mission_ended`: the mission and its state at that moment.
    pub mission: Option<MissionMark>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissionMark {
    pub id: i64,
    pub kind: String,
    /// `running` at the start; how it ended (`succeeded`, `timed_out`, ...) at the end.
    pub state: String,
    pub reason: Option<String>,
}

/// A session as a replay opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub session: Session,
    /// The first and last record's time; `None` for a session with no record.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub records: u64,
    /// Robots with at least one record in the session, sorted.
    pub robots: Vec<RobotId>,
    /// In time order.
    pub marks: Vec<Mark>,
}

#[derive(FromRow)]
struct MarkRow {
    at_ms: i64,
    robot_id: Option<String>,
    kind: String,
    what: Option<String>,
}

#[derive(FromRow)]
struct MissionRow {
    id: i64,
    robot_id: String,
    kind: String,
    state: String,
    reason: Option<String>,
    created_at_ms: i64,
    ended_at_ms: Option<i64>,
}

impl Store {
    /// The summary of `id`, `None` when there is no such session.
    pub async fn session_summary(
        &self,
        id: SessionId,
    ) -> Result<Option<SessionSummary>, StoreError> {
        let Some(session) = self.get_session(id).await? else {
            return Ok(None);
        };
        let (first_ms, last_ms, records): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT MIN(at_ms), MAX(at_ms), COUNT(*) FROM records WHERE session_id = ?",
        )
        .bind(id)
        .fetch_one(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's span"))?;
        let (from, to) = (
            first_ms.unwrap_or(session.started_at_ms),
            last_ms.unwrap_or(session.started_at_ms),
        );
        let robots = self.robots_in(id, from, to).await?;
        let mut marks = self.record_marks(id).await?;
        marks.extend(self.mission_marks(&session, to).await?);
        marks.sort_by_key(|m| m.at_ms);
        Ok(Some(SessionSummary {
            session,
            first_ms,
            last_ms,
            records: u64::try_from(records).unwrap_or(0),
            robots,
            marks,
        }))
    }

    /// Robots with a record in the session. A skip scan of the `records(robot_id, at_ms)`
    /// index: the next robot id of the whole table, then one probe for a record of it in the
    /// session's span; two index seeks per robot ever recorded, never a walk over the
    /// session's records (and imported sessions, whose robots the `robots` table may not know,
    /// are covered too).
    async fn robots_in(
        &self,
        id: SessionId,
        from: i64,
        to: i64,
    ) -> Result<Vec<RobotId>, StoreError> {
        let mut robots = Vec::new();
        let mut after = String::new();
        loop {
            let next: Option<String> = sqlx::query_scalar(
                "SELECT robot_id FROM records WHERE robot_id > ? ORDER BY robot_id LIMIT 1",
            )
            .bind(&after)
            .fetch_optional(&self.reader)
            .await
            .map_err(StoreError::query("listing the recorded robots"))?;
            let Some(robot) = next else {
                return Ok(robots);
            };
            let present: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM records WHERE robot_id = ? AND at_ms BETWEEN ? AND ? \
                 AND session_id = ? LIMIT 1",
            )
            .bind(&robot)
            .bind(from)
            .bind(to)
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(StoreError::query("listing a session's robots"))?;
            if present.is_some()
                && let Ok(parsed) = RobotId::parse(&robot)
            {
                robots.push(parsed);
            }
            after = robot;
        }
    }

    async fn record_marks(&self, id: SessionId) -> Result<Vec<Mark>, StoreError> {
        // The `kind IN (...)` term is the partial index's own condition, so SQLite uses it.
        let rows: Vec<MarkRow> = sqlx::query_as(
            "SELECT at_ms, robot_id, kind, \
             json_extract(CAST(payload AS TEXT), '$.kind') AS what FROM records \
             WHERE session_id = ? AND kind IN ('event', 'command') \
             AND json_valid(CAST(payload AS TEXT)) ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's events"))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let what = row.what?;
                let marked = match row.kind.as_str() {
                    "event" => MARKED_EVENTS.contains(&what.as_str()),
                    _ => MARKED_COMMANDS.contains(&what.as_str()),
                };
                // A command to one robot is filed under it; only broadcasts are fleet-wide.
                let robot = row.robot_id.as_deref().and_then(|r| RobotId::parse(r).ok());
                let detail = if row.kind == "command" {
                    robot
                        .as_ref()
                        .map_or("every robot".to_owned(), |r| r.to_string())
                } else {
                    String::new()
                };
                marked.then_some(Mark {
                    at_ms: row.at_ms,
                    robot,
                    what,
                    detail,
                    mission: None,
                })
            })
            .collect())
    }

    /// Missions created while the session ran: their start, and their end when it came
    /// before the session's last record.
    async fn mission_marks(
        &self,
        session: &Session,
        last_ms: i64,
    ) -> Result<Vec<Mark>, StoreError> {
        let until = session.stopped_at_ms.unwrap_or(i64::MAX).max(last_ms);
        let rows: Vec<MissionRow> = sqlx::query_as(
            "SELECT id, robot_id, kind, state, reason, created_at_ms, ended_at_ms FROM missions \
             WHERE created_at_ms BETWEEN ? AND ? ORDER BY id",
        )
        .bind(session.started_at_ms)
        .bind(until)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's missions"))?;
        let mut marks = Vec::new();
        for m in rows {
            let robot = RobotId::parse(&m.robot_id).ok();
            let mission = |state: &str, reason: Option<String>| MissionMark {
                id: m.id,
                kind: m.kind.clone(),
                state: state.to_owned(),
                reason,
            };
            marks.push(Mark {
                at_ms: m.created_at_ms,
                robot: robot.clone(),
                what: "mission_started".into(),
                detail: format!("#{} {}", m.id, m.kind),
                mission: Some(mission("running", None)),
            });
            if let Some(ended) = m.ended_at_ms.filter(|&t| t <= until) {
                marks.push(Mark {
                    at_ms: ended,
                    robot,
                    what: "mission_ended".into(),
                    detail: format!("#{} {}", m.id, m.kind),
                    mission: Some(mission(&m.state, m.reason.clone())),
                });
            }
        }
        Ok(marks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::{Record, RecordKind};

    fn record(robot: Option<&str>, kind: RecordKind, at_ms: i64, payload: &str) -> Record {
        let robot = robot.map(|r| RobotId::parse(r).unwrap());
        Record {
            topic: "robots/x/events".into(),
            robot,
            kind,
            at_ms,
            payload: payload.as_bytes().to_vec(),
        }
    }

    #[tokio::test]
    async fn the_summary_lists_the_span_the_robots_and_the_moments_to_jump_to() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("race", 1_000).await.unwrap().id;
        let rows = vec![
            (
                session,
                record(Some("t1"), RecordKind::Telemetry, 1_100, "{}"),
            ),
            (
                session,
                record(
                    Some("t2"),
                    RecordKind::Event,
                    1_200,
                    r#"{"kind":"line_lost"}"#,
                ),
            ),
            (
                session,
                record(
                    Some("t2"),
                    RecordKind::Event,
                    1_250,
                    r#"{"kind":"line_found"}"#,
                ),
            ),
            (
                session,
                record(
                    None,
                    RecordKind::Command,
                    1_300,
                    r#"{"kind":"estop","id":"c"}"#,
                ),
            ),
            (
                session,
                record(
                    Some("t1"),
                    RecordKind::Event,
                    1_301,
                    r#"{"kind":"estopped"}"#,
                ),
            ),
            (
                session,
                record(Some("t1"), RecordKind::Event, 1_302, "not json"),
            ),
            (
                session,
                record(Some("t1"), RecordKind::Telemetry, 1_900, "{}"),
            ),
        ];
        store.insert_records(&rows).await.unwrap();
        let earlier = store.start_session("earlier", 500).await.unwrap().id;
        let elsewhere = vec![(
            earlier,
            record(Some("t3"), RecordKind::Telemetry, 1_500, "{}"),
        )];
        store.insert_records(&elsewhere).await.unwrap();
        let summary = store.session_summary(session).await.unwrap().unwrap();
        assert_eq!(
            (summary.first_ms, summary.last_ms),
            (Some(1_100), Some(1_900))
        );
        assert_eq!(summary.records, 7);
        let robots: Vec<&str> = summary.robots.iter().map(RobotId::as_str).collect();
        assert_eq!(robots, ["t1", "t2"], "t3 recorded in another session only");
        let marks: Vec<(i64, &str)> = summary
            .marks
            .iter()
            .map(|m| (m.at_ms, m.what.as_str()))
            .collect();
        assert_eq!(
            marks,
            [(1_200, "line_lost"), (1_300, "estop"), (1_301, "estopped")]
        );
        assert_eq!(summary.marks[1].robot, None);
        assert_eq!(store.session_summary(SessionId(99)).await.unwrap(), None);
    }
}
