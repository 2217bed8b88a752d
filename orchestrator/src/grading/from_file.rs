//! Grading runs from a database file, fast: the session cut into [`IN_FLIGHT`] parts (this
//! machine class has two cores), each read on a blocking thread in one pass through a
//! connection of the grader's own ([`DirectReader`]), every row decoded where SQLite holds it
//! into the runs it belongs to; then each run's parts joined and the runs graded, [`IN_FLIGHT`]
//! threads again. The same grades as each run's rows read through the pool, or graded in
//! memory (`session_tests.rs`).
//!
//! When the runs cover most of the session, its telemetry is read from its packs (what the slim
//! decode reads of each row, packed when it was written: [`super::sample_pack`]) in two halves
//! of their ids, and its events and commands by their own index: a class's hour is a quarter
//! of the rows to step through and no JSON to parse. Without packs that hold every telemetry
//! row (a session recorded before them, a record deleted since), or with one this build cannot
//! read, the payloads are read instead: by ranges of record ids when the session's rows are
//! most of the ids between its bounds (the table walked in its own order), else by slices of
//! the runs' time through the time index (a few minutes of a long session, a session whose
//! rows are scattered among another's).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::grade::grade_on;
use super::line_index::LineIndex;
use super::run::{RowRef, RunBuilder};
use super::sample_pack::{self, PackError};
use super::session::{IN_FLIGHT, RunToGrade, SessionGradeError, blocking};
use super::{Course, Grade, Rubric, Run, Span};
use crate::store::{DirectPack, DirectReader, DirectRow, SessionId, SessionIds, SessionPacks};

/// One part of the session read in one pass: a time slice (by the time index), a range of
/// record ids (the table in its order), or a range of telemetry pack ids (with, in the first
/// part, the window's events and commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Time(i64, i64),
    Ids(i64, i64),
    Packs(i64, i64),
}

/// What one part read: a builder per run, in the runs' order, and the telemetry rows it took
/// from packs.
type PartRead = (Vec<RunBuilder>, i64);

/// From a database file: the session cut into [`IN_FLIGHT`] parts, each read in one pass
/// through a connection of its own on a blocking thread, every run's rows of the part decoded
/// as they go by; then each run's parts joined and the runs graded, [`IN_FLIGHT`] threads
/// again. `recorded` is the session's time, from its start to its stop (or now).
pub(super) async fn grade_runs(
    file: PathBuf,
    session: SessionId,
    recorded: Span,
    runs: Vec<RunToGrade>,
    dropped: u64,
    rubric: Arc<Rubric>,
) -> Result<Vec<Grade>, SessionGradeError> {
    let from_ms = runs.iter().map(|r| r.span.from_ms).min();
    let to_ms = runs.iter().map(|r| r.span.to_ms).max();
    let (Some(from_ms), Some(to_ms)) = (from_ms, to_ms) else {
        return Ok(Vec::new());
    };
    let window = Span { from_ms, to_ms };
    let (ids, packs) = {
        let file = file.clone();
        blocking(move || {
            let mut reader = DirectReader::open(&file)?;
            Ok::<_, SessionGradeError>((
                reader.session_ids(session)?,
                reader.session_packs(session)?,
            ))
        })
        .await??
    };
    let runs = Arc::new(runs);
    let read = |packs: Option<SessionPacks>| {
        let parts = parts(window, recorded, ids, packs, IN_FLIGHT);
        tracing::debug!(%session, runs = runs.len(), ?parts, "grading from the file");
        let packed = packs.map(|p| p.rows);
        read_parts(
            file.clone(),
            session,
            runs.clone(),
            parts,
            (window, packed),
            dropped,
        )
    };
    let read = match read(packs).await {
        Err(SessionGradeError::Pack(e)) => {
            tracing::warn!(%session, error = %e, "a telemetry pack cannot be read: grading reads the payloads");
            read(None).await?
        }
        read => read?,
    };
    let count = read.len();
    // Each run's parts, in order, for the thread that joins and grades it.
    let mut read = read.into_iter();
    let mut by_run: Vec<(usize, RunBuilder, Vec<RunBuilder>)> = read
        .next()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, first)| (i, first, Vec::with_capacity(count)))
        .collect();
    for part in read {
        for ((_, _, later), builder) in by_run.iter_mut().zip(part) {
            later.push(builder);
        }
    }
    let share = by_run.len().div_ceil(IN_FLIGHT).max(1);
    let mut shares = Vec::with_capacity(IN_FLIGHT);
    while !by_run.is_empty() {
        let rest = by_run.split_off(share.min(by_run.len()));
        shares.push(std::mem::replace(&mut by_run, rest));
    }
    let grading = shares.into_iter().map(|share| {
        let (runs, rubric) = (runs.clone(), rubric.clone());
        blocking(move || {
            // One line index per course on this thread (most runs share one course).
            let mut lines: Vec<(&Course, LineIndex<'_>)> = Vec::new();
            share
                .into_iter()
                .map(|(i, first, later)| {
                    let run = joined(first, later);
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

/// One run from its parts in order: the later ones appended to the first.
fn joined(mut first: RunBuilder, later: Vec<RunBuilder>) -> Run {
    for part in later {
        first.append(part);
    }
    first.finish()
}

/// Reads every part on a thread of its own, at once; each part's builders, in order. A pack
/// that cannot be read is [`SessionGradeError::Pack`], as is a count of packed rows read that
/// is not the `packed` the session's packs were said to hold.
pub(super) async fn read_parts(
    file: PathBuf,
    session: SessionId,
    runs: Arc<Vec<RunToGrade>>,
    parts: Vec<Part>,
    (window, packed): (Span, Option<i64>),
    dropped: u64,
) -> Result<Vec<Vec<RunBuilder>>, SessionGradeError> {
    let count = parts.len();
    let reads = parts.iter().enumerate().map(|(k, &part)| {
        let (file, runs) = (file.clone(), runs.clone());
        blocking(move || read_part(&file, session, &runs, part, (k, count), window, dropped))
    });
    let mut read = Vec::with_capacity(count);
    let mut unpacked = 0;
    for part in futures_util::future::join_all(reads).await {
        let (builders, rows) = part??;
        read.push(builders);
        unpacked += rows;
    }
    let by_packs = parts.iter().any(|p| matches!(p, Part::Packs(..)));
    match packed {
        Some(expected) if by_packs && unpacked != expected => Err(PackError::Miscounted {
            read: unpacked,
            expected,
        }
        .into()),
        _ => Ok(read),
    }
}

/// How to cut the session for `count` passes. When the runs' `window` covers at least half the
/// `recorded` time (taken to reach the window's end at least): by pack ids if the session's
/// `packs` hold all its telemetry, else by record ids if the session's rows are at least half
/// the ids between its bounds (so each pass reads few rows it does not keep). Otherwise by the
/// window's time.
pub(super) fn parts(
    window: Span,
    recorded: Span,
    ids: Option<SessionIds>,
    packs: Option<SessionPacks>,
    count: usize,
) -> Vec<Part> {
    let recorded = Span {
        to_ms: recorded.to_ms.max(window.to_ms),
        ..recorded
    };
    let covers_most = window.len_ms().saturating_mul(2) >= recorded.len_ms();
    if let (true, Some(packs)) = (covers_most, packs) {
        return cut(packs.first, packs.last, count)
            .into_iter()
            .map(|(first, last)| Part::Packs(first, last))
            .collect();
    }
    match ids {
        Some(ids) if covers_most && ids.span() <= ids.rows.saturating_mul(2) => {
            cut(ids.first, ids.last, count)
                .into_iter()
                .map(|(first, last)| Part::Ids(first, last))
                .collect()
        }
        _ => cut(window.from_ms, window.to_ms, count)
            .into_iter()
            .map(|(from, to)| Part::Time(from, to))
            .collect(),
    }
}

/// `[from, to]` cut into `count` ranges of about the same length, in order, none empty.
fn cut(from: i64, to: i64, count: usize) -> Vec<(i64, i64)> {
    let len = to.saturating_sub(from).saturating_add(1).max(1);
    let count = i64::try_from(count).unwrap_or(1).clamp(1, len);
    (0..count)
        .map(|k| {
            let start = from + len / count * k;
            let end = if k + 1 == count {
                to
            } else {
                from + len / count * (k + 1) - 1
            };
            (start, end)
        })
        .collect()
}

/// Every run's rows in `part` (number `k` of `count`: the first one's builders are joined by
/// the others'), read in one pass straight from the database file, each row decoded as it goes
/// by into the runs it belongs to (a robot's runs may overlap: a mission and a span marked
/// inside it); a builder per run, in the runs' order, and how many rows came from packs.
fn read_part(
    file: &Path,
    session: SessionId,
    runs: &[RunToGrade],
    part: Part,
    (k, count): (usize, usize),
    window: Span,
    dropped: u64,
) -> Result<PartRead, SessionGradeError> {
    let mut builders: Vec<RunBuilder> = runs
        .iter()
        .map(|run| {
            let mut builder = RunBuilder::new(&run.robot, run.span, dropped);
            // Room for what this part will hold of the run; the first part's builders hold the
            // whole runs once the later parts join them.
            let ms = match part {
                _ if k == 0 => run.span.len_ms(),
                Part::Time(from, to) => to.min(run.span.to_ms) - from.max(run.span.from_ms),
                Part::Ids(..) | Part::Packs(..) => {
                    run.span.len_ms() / i64::try_from(count).unwrap_or(1).max(1)
                }
            };
            builder.expect_ms(ms);
            builder
        })
        .collect();
    // Each robot's runs, by the robot id's bytes as stored.
    let mut by_robot: HashMap<&[u8], Vec<usize>, BuildHasherDefault<Fnv1a>> = HashMap::default();
    for (i, run) in runs.iter().enumerate() {
        by_robot
            .entry(run.robot.as_str().as_bytes())
            .or_default()
            .push(i);
    }
    let every: Vec<usize> = (0..runs.len()).collect();
    let each = |builders: &mut [RunBuilder], row: DirectRow<'_>| {
        let targets = match row.robot {
            Some(robot) => match by_robot.get(robot) {
                Some(targets) => targets,
                None => return,
            },
            None => &every,
        };
        for &i in targets {
            builders[i].push(RowRef {
                kind: row.kind,
                at_ms: row.at_ms,
                fleet_wide: row.robot.is_none(),
                payload: row.payload,
            });
        }
    };
    let mut reader = DirectReader::open(file)?;
    let mut packed = 0;
    match part {
        Part::Time(from_ms, to_ms) => {
            reader.session_rows(session, (from_ms, to_ms), |row| each(&mut builders, row))?;
        }
        Part::Ids(first, last) => {
            reader.session_rows_by_id(session, (first, last), |row| each(&mut builders, row))?;
        }
        Part::Packs(first, last) => {
            if k == 0 {
                let window = (window.from_ms, window.to_ms);
                reader.session_marks(session, window, |row| each(&mut builders, row))?;
            }
            reader.session_packs_by_id(session, (first, last), |pack: DirectPack<'_>| {
                let rows = match pack.robot.and_then(|robot| by_robot.get(robot)) {
                    // Telemetry no run reads: counted, not unpacked.
                    None => {
                        packed += pack.rows;
                        return Ok::<_, PackError>(());
                    }
                    Some(targets) => sample_pack::unpack(pack.pack, |row| {
                        for &i in targets {
                            builders[i].push_packed(&row);
                        }
                    })?,
                };
                if i64::try_from(rows).ok() != Some(pack.rows) {
                    return Err(PackError::Damaged("not the rows it says it holds"));
                }
                packed += pack.rows;
                Ok(())
            })??;
        }
    }
    Ok((builders, packed))
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

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Span = Span {
        from_ms: 0,
        to_ms: 3_600_000,
    };

    fn ids(first: i64, last: i64, rows: i64) -> Option<SessionIds> {
        Some(SessionIds { first, last, rows })
    }

    #[test]
    fn a_class_hour_as_recorded_is_read_by_ids_in_two_halves() {
        assert_eq!(
            parts(HOUR, HOUR, ids(1, 2_000_000, 2_000_000), None, 2),
            [Part::Ids(1, 1_000_000), Part::Ids(1_000_001, 2_000_000)]
        );
        // Interleaved with another session's rows, but still most of its id range.
        assert!(matches!(
            parts(HOUR, HOUR, ids(1, 3_000_000, 1_600_000), None, 2)[..],
            [Part::Ids(..), Part::Ids(..)]
        ));
    }

    #[test]
    fn a_few_minutes_of_a_long_session_or_scattered_rows_are_read_by_time() {
        let minutes = Span {
            from_ms: 600_000,
            to_ms: 900_000,
        };
        let by_time = [Part::Time(600_000, 749_999), Part::Time(750_000, 900_000)];
        // Packed or not: the packs of the whole session are more to read than these minutes.
        for packs in [None, packs()] {
            assert_eq!(
                parts(minutes, HOUR, ids(1, 2_000_000, 2_000_000), packs, 2),
                by_time
            );
        }
        // The session's rows are a third of the ids between its bounds.
        assert_eq!(
            parts(minutes, minutes, ids(1, 3_000_000, 1_000_000), None, 2),
            by_time
        );
        // A file without the bounds (never migrated to 0014).
        assert_eq!(parts(minutes, minutes, None, None, 2), by_time);
    }

    fn packs() -> Option<SessionPacks> {
        Some(SessionPacks {
            first: 11,
            last: 540_010,
            rows: 2_000_000,
        })
    }

    #[test]
    fn a_class_hour_with_its_telemetry_packed_is_read_by_pack_ids_in_two_halves() {
        let by_packs = [Part::Packs(11, 270_010), Part::Packs(270_011, 540_010)];
        // Whether or not the session's rows lie among another's.
        for ids in [
            ids(1, 2_000_000, 2_000_000),
            ids(1, 9_000_000, 2_000_000),
            None,
        ] {
            assert_eq!(parts(HOUR, HOUR, ids, packs(), 2), by_packs);
        }
    }

    #[test]
    fn a_range_shorter_than_the_passes_is_one_part_and_none_is_empty() {
        assert_eq!(cut(5, 5, 2), [(5, 5)]);
        assert_eq!(cut(1, 3, 2), [(1, 1), (2, 3)]);
        for (from, to) in [(0, 10), (-7, 1_000_001), (3, 4)] {
            let parts = cut(from, to, 2);
            assert_eq!(parts.first().map(|p| p.0), Some(from));
            assert_eq!(parts.last().map(|p| p.1), Some(to));
            assert!(parts.windows(2).all(|w| w[0].1 + 1 == w[1].0));
            assert!(parts.iter().all(|p| p.0 <= p.1));
        }
    }
}
