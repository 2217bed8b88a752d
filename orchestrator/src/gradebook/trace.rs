//! A graded run's telemetry for its page: pose, line sensors and motors per sample, and whether
//! a sensor saw the line. A long run is decimated to about [`MAX_TRACE_POINTS`] samples (one in
//! `every`), keeping the samples on both sides of every change on/off the line, so the page
//! still shows each line loss where it began and ended.

use crate::contract::{RunTrace, TracePoint};
use crate::grading::run::Sample;
use crate::grading::{Run, Span};
use crate::store::{MAX_WINDOW_ROWS, Store, StoreError, StoredGrade, WindowQuery};

/// About the most samples one trace holds: a class hour at 10 Hz (36,000 samples) becomes a
/// few hundred kB of JSON, which a page draws at once.
pub const MAX_TRACE_POINTS: usize = 2_000;

/// The trace of stored grade `grade`: its robot's telemetry over the grade's span.
pub async fn run_trace(store: &Store, grade: &StoredGrade) -> Result<RunTrace, StoreError> {
    let mut query = WindowQuery {
        session: grade.session,
        robots: vec![grade.robot.clone()],
        from_ms: grade.from_ms,
        // The window's end is exclusive, the span's inclusive.
        to_ms: grade.to_ms.saturating_add(1),
        after: None,
        limit: MAX_WINDOW_ROWS,
    };
    let mut records = Vec::new();
    loop {
        let page = store.records_in_window(&query).await?;
        let next = query.next(&page);
        records.extend(page.into_iter().map(|s| s.record));
        match next {
            Some(n) => query = n,
            None => break,
        }
    }
    let span = Span {
        from_ms: grade.from_ms,
        to_ms: grade.to_ms,
    };
    let run = Run::from_records(&grade.robot, span, &records, 0);
    Ok(trace_of(grade.id, &run))
}

/// The trace of `run`, decimated to about `MAX_TRACE_POINTS` samples.
pub fn trace_of(grade: i64, run: &Run) -> RunTrace {
    decimated(grade, run, MAX_TRACE_POINTS)
}

fn decimated(grade: i64, run: &Run, max_points: usize) -> RunTrace {
    let samples = &run.samples;
    let n = samples.len();
    let every = n.div_ceil(max_points.max(1)).max(1);
    let on = |i: usize| samples[i].line.any();
    let changes_near =
        |i: usize| (i > 0 && on(i - 1) != on(i)) || (i + 1 < n && on(i + 1) != on(i));
    let mut kept: Vec<usize> = (0..n)
        .filter(|&i| i % every == 0 || i + 1 == n || changes_near(i))
        .collect();
    // A sensor flickering all run long would keep nearly everything: then the stride alone.
    if kept.len() > 2 * max_points {
        kept = (0..n).filter(|&i| i % every == 0 || i + 1 == n).collect();
    }
    RunTrace {
        grade,
        robot: run.robot.clone(),
        from_ms: run.span.from_ms,
        to_ms: run.span.to_ms,
        total_samples: n,
        every,
        samples: kept.into_iter().map(|i| point(&samples[i])).collect(),
    }
}

fn point(s: &Sample) -> TracePoint {
    TracePoint {
        at_ms: s.at_ms,
        seq: s.seq,
        pose: s.pose,
        line: s.line,
        motors: s.motors,
        on_line: s.line.any(),
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{LineReading, MotorOutput, RobotId, RobotMode};

    use super::*;

    /// `n` samples 100 ms apart, on the line except where `off(i)`.
    fn run(n: usize, off: impl Fn(usize) -> bool) -> Run {
        let samples = (0..n)
            .map(|i| Sample {
                at_ms: i as i64 * 100,
                seq: i as u64,
                mode: RobotMode::LineFollow,
                line: LineReading {
                    left: false,
                    middle: !off(i),
                    right: false,
                },
                motors: MotorOutput::default(),
                pose: None,
            })
            .collect();
        Run {
            robot: RobotId::parse("r1").unwrap(),
            span: Span {
                from_ms: 0,
                to_ms: n as i64 * 100,
            },
            samples,
            events: Vec::new(),
            commands: Vec::new(),
            unreadable: Vec::new(),
            session_dropped: 0,
        }
    }

    #[test]
    fn a_short_run_keeps_every_sample_with_its_on_line_flag() {
        let t = trace_of(7, &run(50, |i| (10..20).contains(&i)));
        assert_eq!(
            (t.grade, t.total_samples, t.every, t.samples.len()),
            (7, 50, 1, 50)
        );
        assert!(t.samples[9].on_line && !t.samples[10].on_line && t.samples[20].on_line);
    }

    #[test]
    fn a_long_run_is_decimated_but_keeps_both_sides_of_each_line_loss() {
        // 20,000 samples; one short loss at 10,001..=10,003, off the stride.
        let r = run(20_000, |i| (10_001..=10_003).contains(&i));
        let t = decimated(1, &r, 1_000);
        assert_eq!((t.total_samples, t.every), (20_000, 20));
        assert!(t.samples.len() <= 1_000 + 8, "{}", t.samples.len());
        let seqs: Vec<u64> = t.samples.iter().map(|p| p.seq).collect();
        for seq in [10_000, 10_001, 10_003, 10_004, 19_999] {
            assert!(seqs.contains(&seq), "sample {seq} dropped");
        }
        let off: Vec<u64> = t
            .samples
            .iter()
            .filter(|p| !p.on_line)
            .map(|p| p.seq)
            .collect();
        assert_eq!(off, [10_001, 10_003]);
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    }

    #[test]
    fn a_flickering_sensor_falls_back_to_the_stride() {
        let t = decimated(1, &run(10_000, |i| i % 2 == 0), 1_000);
        assert_eq!(t.every, 10);
        assert_eq!(t.samples.len(), 1_001, "every tenth and the last");
    }
}
