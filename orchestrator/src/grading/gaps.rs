//! What is known of a run and what is not. Each telemetry sample holds from its own time until
//! the next sample, unless samples are missing in between (a jump in `seq`, the robot
//! restarting) or the robot was silent for longer than the rubric's `max_gap_ms`: that stretch
//! is unknown time. Criteria are computed over known time only, so a gap, which is not the
//! student's fault, never lowers a grade; it marks the run unreliable and is listed instead.

use serde::Serialize;

use super::run::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GapKind {
    /// Telemetry samples the robot numbered were never recorded.
    MissedSamples { missing: u64 },
    /// The robot's telemetry numbering started again (it restarted).
    RobotRestarted,
    /// No telemetry for longer than the rubric allows (link down, robot off).
    Silence,
    /// Events the robot numbered were never recorded (a lap or an estop may be missing).
    MissedEvents { missing: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub from_ms: i64,
    pub to_ms: i64,
    #[serde(flatten)]
    pub kind: GapKind,
}

/// A stretch of known time and the sample that describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Index into [`Run::samples`].
    pub sample: usize,
}

impl Held {
    pub fn len_ms(&self) -> i64 {
        self.to_ms - self.from_ms
    }
}

/// Whether a grade can be trusted, and why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    pub reliable: bool,
    pub gaps: Vec<Gap>,
    /// Time described by a sample, and time inside a telemetry gap (the moments before the
    /// first sample, shorter than a gap, are neither).
    pub known_ms: i64,
    pub unknown_ms: i64,
    /// Records of this run that could not be read.
    pub unreadable: usize,
    /// Records the session dropped (possibly this run's).
    pub session_dropped: u64,
}

/// The run's known time as consecutive held stretches (in time order, possibly with holes
/// where a gap is) and the gaps between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub held: Vec<Held>,
    pub reliability: Reliability,
}

pub fn timeline(run: &Run, max_gap_ms: i64) -> Timeline {
    let mut held = Vec::with_capacity(run.samples.len());
    let mut gaps = Vec::new();
    let span = run.span;
    let silence = |from_ms: i64, to_ms: i64| Gap {
        from_ms,
        to_ms,
        kind: GapKind::Silence,
    };
    match run.samples.first() {
        None if span.len_ms() > 0 => gaps.push(silence(span.from_ms, span.to_ms)),
        Some(first) if first.at_ms - span.from_ms > max_gap_ms => {
            gaps.push(silence(span.from_ms, first.at_ms));
        }
        _ => {}
    }
    for (i, sample) in run.samples.iter().enumerate() {
        let (to_ms, broken) = match run.samples.get(i + 1) {
            Some(next) => {
                let kind = if next.seq == sample.seq + 1 {
                    None
                } else if next.seq > sample.seq {
                    Some(GapKind::MissedSamples {
                        missing: next.seq - sample.seq - 1,
                    })
                } else {
                    Some(GapKind::RobotRestarted)
                };
                (next.at_ms, kind)
            }
            None => (span.to_ms, None),
        };
        let broken = broken.or((to_ms - sample.at_ms > max_gap_ms).then_some(GapKind::Silence));
        match broken {
            Some(kind) => gaps.push(Gap {
                from_ms: sample.at_ms,
                to_ms,
                kind,
            }),
            None if to_ms > sample.at_ms => held.push(Held {
                from_ms: sample.at_ms,
                to_ms,
                sample: i,
            }),
            None => {}
        }
    }
    for pair in run.events.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.seq > a.seq + 1 {
            gaps.push(Gap {
                from_ms: a.at_ms,
                to_ms: b.at_ms,
                kind: GapKind::MissedEvents {
                    missing: b.seq - a.seq - 1,
                },
            });
        }
    }
    gaps.sort_by_key(|g| (g.from_ms, g.to_ms));
    let known_ms: i64 = held.iter().map(Held::len_ms).sum();
    let unknown_ms = gaps
        .iter()
        .filter(|g| !matches!(g.kind, GapKind::MissedEvents { .. }))
        .map(|g| g.to_ms - g.from_ms)
        .sum();
    let reliability = Reliability {
        reliable: gaps.is_empty() && run.unreadable.is_empty() && run.session_dropped == 0,
        gaps,
        known_ms,
        unknown_ms,
        unreadable: run.unreadable.len(),
        session_dropped: run.session_dropped,
    };
    Timeline { held, reliability }
}
