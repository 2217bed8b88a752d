//! Grading runs from a database file, fast: the time of all the runs cut into [`IN_FLIGHT`]
//! slices (this machine class has two cores), each read on a blocking thread in one pass over
//! the session through a connection of the grader's own ([`DirectReader`]), every row decoded
//! where SQLite holds it into the runs it belongs to; then each run's slices joined in time
//! order and the runs graded, [`IN_FLIGHT`] threads again. The same grades as each run's rows
//! read through the pool, or graded in memory (`session_tests.rs`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::grade::grade_on;
use super::line_index::LineIndex;
use super::run::{RowRef, RunBuilder};
use super::session::{IN_FLIGHT, RunToGrade, SessionGradeError, blocking};
use super::{Course, Grade, Rubric, Run};
use crate::domain::RecordKind;
use crate::store::{DirectReader, SessionId};

/// From a database file: the session's time cut into [`IN_FLIGHT`] slices, each read in one
/// pass through a connection of its own on a blocking thread, every run's rows of the slice
/// decoded as they go by; then each run's slices joined in time order and the runs graded,
/// [`IN_FLIGHT`] threads again.
pub(super) async fn grade_runs(
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
