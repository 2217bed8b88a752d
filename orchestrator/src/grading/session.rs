//! Grading a recorded session: the impure edge around [`grade()`]. Reads the session's runs
//! from two sources, its finished line-follow missions (the robot from the mission's start to
//! its end, on the mission's course) and the spans the teacher marked by hand (on the server's
//! course), and their records from the store, grades each run and stores the grades. The same recording and rubric give the same stored grades; another rubric adds
//! grades beside them.
//!
//! From a database file the runs are read together (`from_file.rs`); from an in-memory store,
//! each run's rows through the pool, two runs at a time.

use std::sync::Arc;

use fleet_course::MapError;
use fleet_protocol::RobotId;
use futures_util::{StreamExt, TryStreamExt};

use super::courses::Courses;
use super::from_file;
use super::run::RowRef;
use super::{Course, Grade, Rubric, Run, Span, grade};
use crate::domain::clock::now_ms;
use crate::store::{MissionId, NewGrade, SessionId, Store, StoreError, StoredGrade};

/// Runs (through the pool) or slices of time (from a file) read and graded at once (this
/// machine class has two cores).
pub(super) const IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum SessionGradeError {
    #[error("no session {0}")]
    NoSession(SessionId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored mission {mission} names robot {robot:?}, which is not a robot id")]
    BadRobot { mission: i64, robot: String },
    #[error("mission {mission} names the map {map:?}: {source}")]
    Map {
        mission: i64,
        map: String,
        source: MapError,
    },
    #[error("cannot serialise a grade: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("grading a run failed: {0}")]
    Panicked(String),
    /// Read past: grading reads the payloads instead.
    #[error("a telemetry pack: {0}")]
    Pack(#[from] super::sample_pack::PackError),
}

/// One graded run and the id it is stored under.
#[derive(Debug, Clone)]
pub struct GradedRun {
    pub id: i64,
    /// `None` for a run the teacher marked.
    pub mission: Option<MissionId>,
    pub grade: Grade,
}

/// A run to grade: whose, when, on which course.
#[derive(Debug, Clone)]
pub struct RunToGrade {
    pub robot: RobotId,
    pub span: Span,
    pub course: Arc<Course>,
}

/// Grades every finished line-follow mission and every finished marked run of `session`
/// against `rubric` and stores the grades (`at_ms`: when, for the record only; it is not part
/// of the grade). `course` is the server's map, for missions that name none and marked runs.
pub async fn grade_session(
    store: &Store,
    session: SessionId,
    course: &Course,
    rubric: &Rubric,
    at_ms: i64,
) -> Result<Vec<GradedRun>, SessionGradeError> {
    let missions = store.session_mission_runs(session).await?;
    let mut courses = Courses::new(course.clone());
    let mut runs = Vec::with_capacity(missions.len());
    // Beside each run to grade, the mission it came from (`None`: marked by the teacher).
    let mut sources = Vec::with_capacity(missions.len());
    for m in &missions {
        let robot = RobotId::parse(&m.robot_id).map_err(|_| SessionGradeError::BadRobot {
            mission: m.mission_id,
            robot: m.robot_id.clone(),
        })?;
        let map = mission_map(store, MissionId(m.mission_id)).await?;
        let course = courses
            .get(map.as_deref())
            .map_err(|source| SessionGradeError::Map {
                mission: m.mission_id,
                map: map.clone().unwrap_or_default(),
                source,
            })?;
        runs.push(RunToGrade {
            robot,
            span: Span {
                from_ms: m.from_ms,
                to_ms: m.to_ms,
            },
            course,
        });
        sources.push(Some(MissionId(m.mission_id)));
    }
    for marked in marked_runs(store, session, &mut courses).await? {
        runs.push(marked);
        sources.push(None);
    }
    let grades = grade_runs(store, session, runs, rubric).await?;
    let mut graded = Vec::with_capacity(grades.len());
    for (mission, g) in sources.into_iter().zip(grades) {
        let criteria_json = serde_json::to_string(&g.criteria)?;
        let gaps_json = serde_json::to_string(&g.reliability)?;
        let id = store
            .upsert_grade(&NewGrade {
                session,
                robot: &g.robot,
                mission,
                from_ms: g.span.from_ms,
                to_ms: g.span.to_ms,
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
            mission,
            grade: g,
        });
    }
    Ok(graded)
}

/// The session's runs the teacher marked and ended (a run still open in the recording session
/// is not graded yet), on the server's course.
async fn marked_runs(
    store: &Store,
    session: SessionId,
    courses: &mut Courses,
) -> Result<Vec<RunToGrade>, SessionGradeError> {
    let course = courses.get(None).map_err(|source| SessionGradeError::Map {
        mission: 0,
        map: String::new(),
        source,
    })?;
    let marked = store.session_marked_runs(session).await?;
    Ok(marked
        .into_iter()
        .filter_map(|r| {
            Some(RunToGrade {
                span: Span {
                    from_ms: r.started_at_ms,
                    to_ms: r.ended_at_ms?,
                },
                robot: r.robot,
                course: course.clone(),
            })
        })
        .collect())
}

/// The map a line-follow mission names, if any.
async fn mission_map(store: &Store, id: MissionId) -> Result<Option<String>, StoreError> {
    Ok(store.get_mission(id).await?.and_then(|m| {
        m.spec
            .get("map")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }))
}

/// Grades `runs` of `session` from its records, in order, without storing anything: the
/// grades of a recording, whatever database holds it (an imported copy grades the same).
pub async fn grade_runs(
    store: &Store,
    session: SessionId,
    runs: Vec<RunToGrade>,
    rubric: &Rubric,
) -> Result<Vec<Grade>, SessionGradeError> {
    let info = store
        .get_session(session)
        .await?
        .ok_or(SessionGradeError::NoSession(session))?;
    let dropped = u64::try_from(info.dropped).unwrap_or(0);
    let rubric = Arc::new(rubric.clone());
    match store.file_path() {
        Some(file) => {
            // A running session has recorded until now, whatever the runs cover of it.
            let recorded = Span {
                from_ms: info.started_at_ms,
                to_ms: info.stopped_at_ms.unwrap_or_else(now_ms),
            };
            from_file::grade_runs(file, session, recorded, runs, dropped, rubric).await
        }
        None => grade_through_pool(store, session, runs, dropped, rubric).await,
    }
}

/// From an in-memory store, through the pool: each run's rows, two runs at once.
async fn grade_through_pool(
    store: &Store,
    session: SessionId,
    runs: Vec<RunToGrade>,
    dropped: u64,
    rubric: Arc<Rubric>,
) -> Result<Vec<Grade>, SessionGradeError> {
    futures_util::stream::iter(runs)
        .map(|run| {
            let rubric = rubric.clone();
            async move {
                let rows = store
                    .run_rows(session, &run.robot, run.span.from_ms, run.span.to_ms)
                    .await?;
                blocking(move || {
                    let refs = rows.iter().filter_map(|row| {
                        Some(RowRef {
                            kind: row.record_kind()?,
                            at_ms: row.at_ms,
                            fleet_wide: row.fleet_wide,
                            payload: &row.payload,
                        })
                    });
                    let decoded = Run::from_rows(&run.robot, run.span, refs, dropped);
                    grade(&decoded, &run.course, &rubric)
                })
                .await
            }
        })
        .buffered(IN_FLIGHT)
        .try_collect()
        .await
}

pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SessionGradeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SessionGradeError::Panicked(e.to_string()))
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
