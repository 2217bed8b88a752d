//! Grading a recorded session: the impure edge around [`grade()`]. Reads the session's runs
//! from two sources, its finished line-follow missions (the robot from the mission's start to
//! its end, on the mission's course) and the spans the teacher marked by hand (on the server's
//! course), and their records from the store, grades each run and stores the grades. The same recording and rubric give the same stored grades; another rubric adds
//! grades beside them.
//!
//! From a database file, the session's time is cut in two (this machine class has two cores),
//! each half read in one pass through a connection of its own on a blocking thread, every
//! run's rows decoded where SQLite holds them ([`DirectReader`]), the halves joined per run;
//! from an in-memory store, each run's rows through the pool, two runs at a time.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fleet_course::MapError;
use fleet_protocol::RobotId;
use futures_util::{StreamExt, TryStreamExt};

use super::courses::Courses;
use super::grade::grade_on;
use super::line_index::LineIndex;
use super::run::{RowRef, RunBuilder};
use super::{Course, Grade, Rubric, Run, Span, grade};
use crate::domain::RecordKind;
use crate::store::{DirectReader, MissionId, NewGrade, SessionId, Store, StoreError, StoredGrade};

/// Slices of time (or runs, through the pool) read and graded at once (two cores).
const IN_FLIGHT: usize = 2;

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
        Some(file) => grade_from_file(file, session, runs, dropped, rubric).await,
        None => grade_through_pool(store, session, runs, dropped, rubric).await,
    }
}

/// From a database file: the session's time cut into [`IN_FLIGHT`] slices, each read in one
/// pass through a connection of its own on a blocking thread, every run's rows of the slice
/// decoded as they go by; then each run's slices joined in time order and the runs graded,
/// [`IN_FLIGHT`] threads again.
async fn grade_from_file(
    file: PathBuf,
    session: SessionId,
    runs: Vec<RunToGrade>,
    dropped: u64,
    rubric: Arc<Rubric>,
) -> Result<Vec<Grade>, SessionGradeError> {
    let from_ms = runs.iter().map(|r| r.span.from_ms).min();
    let to_ms = runs.iter().map(|r| r.span.to_ms).max();
    let (Some(from_ms), Some(to_ms)) = (from_ms, to_ms) else {
        return Ok(Vec::new());
    };
    let runs = Arc::new(runs);
    let slices = time_slices(from_ms, to_ms, IN_FLIGHT);
    let reads = slices.into_iter().enumerate().map(|(k, slice)| {
        let (file, runs) = (file.clone(), runs.clone());
        blocking(move || read_slice(&file, session, &runs, slice, k == 0, dropped))
    });
    let mut slices = Vec::with_capacity(IN_FLIGHT);
    for read in futures_util::future::join_all(reads).await {
        slices.push(read??);
    }
    // In time order: each run's later slices appended to its first.
    let mut slices = slices.into_iter();
    let mut builders = slices.next().unwrap_or_default();
    for later in slices {
        for (builder, part) in builders.iter_mut().zip(later) {
            builder.append(part);
        }
    }
    let mut built: Vec<(usize, Run)> = builders
        .into_iter()
        .map(RunBuilder::finish)
        .enumerate()
        .collect();
    let share = built.len().div_ceil(IN_FLIGHT).max(1);
    let mut shares = Vec::with_capacity(IN_FLIGHT);
    while !built.is_empty() {
        let rest = built.split_off(share.min(built.len()));
        shares.push(std::mem::replace(&mut built, rest));
    }
    let grading = shares.into_iter().map(|share| {
        let (runs, rubric) = (runs.clone(), rubric.clone());
        blocking(move || {
            // One line index per course on this thread (most runs share one course).
            let mut lines: Vec<(&Course, LineIndex<'_>)> = Vec::new();
            share
                .into_iter()
                .map(|(i, run)| {
                    let course: &Course = &runs[i].course;
                    let at = match lines.iter().position(|(c, _)| std::ptr::eq(*c, course)) {
                        Some(at) => at,
                        None => {
                            lines.push((course, LineIndex::new(course)));
                            lines.len() - 1
                        }
                    };
                    grade_on(&run, course, &lines[at].1, &rubric)
                })
                .collect::<Vec<_>>()
        })
    });
    let mut grades = Vec::with_capacity(runs.len());
    for share in futures_util::future::join_all(grading).await {
        grades.extend(share?);
    }
    Ok(grades)
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

/// `[from_ms, to_ms]` cut into `count` slices of about the same length, in order, none empty.
fn time_slices(from_ms: i64, to_ms: i64, count: usize) -> Vec<(i64, i64)> {
    let len = to_ms.saturating_sub(from_ms).saturating_add(1).max(1);
    let count = i64::try_from(count).unwrap_or(1).clamp(1, len);
    (0..count)
        .map(|k| {
            let start = from_ms + len / count * k;
            let end = if k + 1 == count {
                to_ms
            } else {
                from_ms + len / count * (k + 1) - 1
            };
            (start, end)
        })
        .collect()
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SessionGradeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SessionGradeError::Panicked(e.to_string()))
}

/// Every run's rows in the time `slice` (the `first` one: the others join it), read in one
/// pass over the session straight from the database file, each row decoded as it goes by into
/// the runs it belongs to (a robot's runs may overlap: a mission and a span marked inside it);
/// a builder per run, in the runs' order.
fn read_slice(
    file: &Path,
    session: SessionId,
    runs: &[RunToGrade],
    slice: (i64, i64),
    first: bool,
    dropped: u64,
) -> Result<Vec<RunBuilder>, SessionGradeError> {
    let mut builders: Vec<RunBuilder> = runs
        .iter()
        .map(|run| {
            let mut builder = RunBuilder::new(&run.robot, run.span, dropped);
            // The first slice's builders hold the whole runs once the later slices join them.
            let (from_ms, to_ms) = if first {
                (run.span.from_ms, run.span.to_ms)
            } else {
                (slice.0.max(run.span.from_ms), slice.1.min(run.span.to_ms))
            };
            builder.expect_ms(to_ms - from_ms);
            builder
        })
        .collect();
    // Each robot's runs, by the robot id as stored.
    let mut by_robot: HashMap<&str, Vec<usize>, BuildHasherDefault<Fnv1a>> = HashMap::default();
    for (i, run) in runs.iter().enumerate() {
        by_robot.entry(run.robot.as_str()).or_default().push(i);
    }
    let every: Vec<usize> = (0..runs.len()).collect();
    let mut reader = DirectReader::open(file)?;
    reader.session_rows(session, slice, |row| {
        let targets = match row.robot {
            Some(robot) => match by_robot.get(robot) {
                Some(targets) => targets,
                None => return,
            },
            None => &every,
        };
        // A kind this build does not know is not one grading reads.
        let Some(kind) = RecordKind::parse(row.kind) else {
            return;
        };
        for &i in targets {
            builders[i].push(RowRef {
                kind,
                at_ms: row.at_ms,
                fleet_wide: row.robot.is_none(),
                payload: row.payload,
            });
        }
    })?;
    Ok(builders)
}

/// FNV-1a: a robot id is a few bytes, hashed for every row of a pass; SipHash's defence
/// against chosen keys is not needed for ids the teacher's own runs name.
#[derive(Default)]
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
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
