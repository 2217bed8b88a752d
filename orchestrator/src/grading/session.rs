//! Grading a recorded session: the impure edge around [`grade()`]. Reads the session's runs
//! from two sources, its finished line-follow missions (the robot from the mission's start to
//! its end) and the spans the teacher marked by hand, and their robots' records from the
//! store, grades each run and stores the grades. The same recording and rubric give the same
//! stored grades; another rubric adds grades beside them.

use std::collections::BTreeMap;

use fleet_protocol::RobotId;

use super::{Course, Grade, Rubric, Run, Span, grade};
use crate::domain::Record;
use crate::store::{MissionId, NewGrade, RecordQuery, SessionId, Store, StoreError, StoredGrade};

/// One run to grade: a robot over a span, from a mission or marked by the teacher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunToGrade {
    pub robot_id: String,
    /// The mission it was taken from; `None` for a run the teacher marked.
    pub mission: Option<MissionId>,
    pub from_ms: i64,
    pub to_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionGradeError {
    #[error("no session {0}")]
    NoSession(SessionId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored run names robot {robot:?}, which is not a robot id")]
    BadRobot { robot: String },
    #[error("cannot serialise a grade: {0}")]
    Serialise(#[from] serde_json::Error),
}

/// One graded run and the id it is stored under.
#[derive(Debug, Clone)]
pub struct GradedRun {
    pub id: i64,
    /// `None` for a run the teacher marked.
    pub mission: Option<MissionId>,
    pub grade: Grade,
}

/// Grades every finished run of `session` (see [`runs_to_grade`]) against `rubric` and stores
/// the grades (`at_ms`: when, for the record only; it is not part of the grade).
pub async fn grade_session(
    store: &Store,
    session: SessionId,
    course: &Course,
    rubric: &Rubric,
    at_ms: i64,
) -> Result<Vec<GradedRun>, SessionGradeError> {
    let info = store
        .get_session(session)
        .await?
        .ok_or(SessionGradeError::NoSession(session))?;
    let dropped = u64::try_from(info.dropped).unwrap_or(0);
    let runs = runs_to_grade(store, session).await?;
    let mut graded = Vec::with_capacity(runs.len());
    // Each robot's records are read once, however many runs it has.
    let mut records: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for run in runs {
        let robot = RobotId::parse(&run.robot_id).map_err(|_| SessionGradeError::BadRobot {
            robot: run.robot_id.clone(),
        })?;
        if !records.contains_key(&run.robot_id) {
            let read = robot_records(store, session, &robot).await?;
            records.insert(run.robot_id.clone(), read);
        }
        let robot_records = records.get(&run.robot_id).map_or(&[][..], Vec::as_slice);
        let span = Span {
            from_ms: run.from_ms,
            to_ms: run.to_ms,
        };
        let g = grade(
            &Run::from_records(&robot, span, robot_records, dropped),
            course,
            rubric,
        );
        let criteria_json = serde_json::to_string(&g.criteria)?;
        let gaps_json = serde_json::to_string(&g.reliability)?;
        let id = store
            .upsert_grade(&NewGrade {
                session,
                robot: &robot,
                mission: run.mission,
                from_ms: span.from_ms,
                to_ms: span.to_ms,
                rubric_name: &g.rubric.name,
                rubric_version: g.rubric.version,
                rubric_hash: &g.rubric.hash,
                criteria_json: &criteria_json,
                total: g.total,
                scale: g.scale,
                passed: g.passed,
                unreliable: !g.reliability.reliable,
                gaps_json: &gaps_json,
                at_ms,
            })
            .await?;
        graded.push(GradedRun {
            id,
            mission: run.mission,
            grade: g,
        });
    }
    Ok(graded)
}

/// The session's finished runs: its line-follow missions, then the spans the teacher marked
/// (a run still open in a recording session is not graded yet).
pub async fn runs_to_grade(
    store: &Store,
    session: SessionId,
) -> Result<Vec<RunToGrade>, StoreError> {
    let missions = store.session_mission_runs(session).await?;
    let marked = store.session_marked_runs(session).await?;
    let from_missions = missions.into_iter().map(|m| RunToGrade {
        robot_id: m.robot_id,
        mission: Some(MissionId(m.mission_id)),
        from_ms: m.from_ms,
        to_ms: m.to_ms,
    });
    let from_marks = marked.into_iter().filter_map(|r| {
        Some(RunToGrade {
            robot_id: r.robot.as_str().to_owned(),
            mission: None,
            from_ms: r.started_at_ms,
            to_ms: r.ended_at_ms?,
        })
    });
    Ok(from_missions.chain(from_marks).collect())
}

/// One robot's records of the session and the fleet-wide ones, in replay order.
async fn robot_records(
    store: &Store,
    session: SessionId,
    robot: &RobotId,
) -> Result<Vec<Record>, StoreError> {
    let mut query = RecordQuery::session(session);
    query.robots = vec![robot.clone()];
    let mut pages = store.record_pages(query).await?;
    let mut out = Vec::new();
    while let Some(page) = pages.next_page().await? {
        out.extend(page.into_iter().map(|s| s.record));
    }
    Ok(out)
}

/// The leaderboard's order: best effective total first (the teacher's overrides applied);
/// ties by robot, then by the run's start, so the order is stable.
pub fn ranked(mut grades: Vec<StoredGrade>) -> Vec<StoredGrade> {
    grades.sort_by(|a, b| {
        b.effective_total()
            .total_cmp(&a.effective_total())
            .then_with(|| a.robot.as_str().cmp(b.robot.as_str()))
            .then(a.from_ms.cmp(&b.from_ms))
    });
    grades
}
