//! The input of a grade: one robot's records over a span of a session, decoded once into
//! time-ordered telemetry samples, events and commands. Records that cannot be decoded are kept
//! as counted facts (they make the run unreliable), never a crash.
//!
//! Every time here is the record's receive time (`at_ms`, the orchestrator's clock), the one
//! clock all records share: the robots' own `ts_ms` clocks are not synchronised with it.
//!
//! Telemetry, nearly every row of a run, goes through the slim decode ([`super::slim`]), or
//! comes out of a pack that holds what the slim decode read when it was written
//! ([`super::sample_pack`]); the few events and commands go through the full one.

use std::collections::BTreeSet;

use fleet_protocol::{
    Command, CommandKind, Event, EventKind, LineReading, MotorOutput, Pose, RobotId, RobotMode,
    decode,
};
use serde::Serialize;

use super::sample_pack::PackedRow;
use super::slim;
use crate::domain::{Record, RecordKind};

/// `[from_ms, to_ms]` on the orchestrator's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Span {
    pub fn contains(&self, at_ms: i64) -> bool {
        (self.from_ms..=self.to_ms).contains(&at_ms)
    }

    pub fn len_ms(&self) -> i64 {
        (self.to_ms - self.from_ms).max(0)
    }
}

/// One telemetry sample, the fields grading reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at_ms: i64,
    pub seq: u64,
    pub mode: RobotMode,
    pub line: LineReading,
    pub motors: MotorOutput,
    pub pose: Option<Pose>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    pub at_ms: i64,
    pub seq: u64,
    pub kind: EventKind,
}

/// A command the orchestrator sent to this robot, or to the whole fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedCommand {
    pub at_ms: i64,
    pub kind: CommandKind,
    pub fleet_wide: bool,
}

/// A record of this run that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreadable {
    pub at_ms: i64,
    pub kind: &'static str,
    pub reason: String,
}

/// One row of a run as the grader needs it, borrowed from wherever the rows are (a
/// [`Record`], a row read from the store): already known to be this robot's or fleet-wide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowRef<'a> {
    pub kind: RecordKind,
    pub at_ms: i64,
    /// A fleet-wide record (a broadcast command), not the robot's own.
    pub fleet_wide: bool,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub robot: RobotId,
    pub span: Span,
    pub samples: Vec<Sample>,
    pub events: Vec<TimedEvent>,
    pub commands: Vec<TimedCommand>,
    pub unreadable: Vec<Unreadable>,
    /// Records the session counted as dropped or lost (`sessions.dropped`): the recorder cannot
    /// say whose they were, so any of them may have been this run's.
    pub session_dropped: u64,
}

/// The most samples [`RunBuilder::expect_ms`] makes room for ahead (a day at 20 Hz).
const MAX_EXPECTED_SAMPLES: usize = 24 * 3600 * 20;

/// A run taken one row at a time, for rows lent only until the next one (a direct read).
///
/// The rows may come in replay order (time, then arrival) or in arrival order (by id), the
/// telemetry apart from the rest (from packs, each robot's in arrival order), in one go or in
/// parts joined with [`Self::append`]: [`Self::finish`] puts them in replay order (stable
/// sorts by time: rows of one kind and millisecond keep the order they came in, which every
/// order agrees on) before anything depends on the order.
#[derive(Debug)]
pub struct RunBuilder {
    run: Run,
    /// The robot's (seq, ts) pair of each event in `run.events`: QoS 1 events may be delivered
    /// twice, and the first copy in replay order is the one kept.
    event_keys: Vec<(u64, u64)>,
}

impl RunBuilder {
    pub fn new(robot: &RobotId, span: Span, session_dropped: u64) -> Self {
        Self {
            run: Run {
                robot: robot.clone(),
                span,
                samples: Vec::new(),
                events: Vec::new(),
                commands: Vec::new(),
                unreadable: Vec::new(),
                session_dropped,
            },
            event_keys: Vec::new(),
        }
    }

    /// Room for the samples of `ms` of telemetry at the agent's default 20 Hz, so that a
    /// class's hour is not copied over and over as it grows (only what is written is touched).
    pub fn expect_ms(&mut self, ms: i64) {
        let samples = usize::try_from(ms / 50 + 1)
            .unwrap_or(0)
            .min(MAX_EXPECTED_SAMPLES);
        self.run.samples.reserve(samples);
    }

    /// Takes the next row (rows outside the span, and fleet-wide rows that are not commands,
    /// are skipped).
    pub fn push(&mut self, row: RowRef<'_>) {
        // A fleet-wide record concerns this robot only if it is a command (an estop).
        let mine = !row.fleet_wide || row.kind == RecordKind::Command;
        if mine && self.run.span.contains(row.at_ms) {
            self.run.add(row, &mut self.event_keys);
        }
    }

    /// Takes the next telemetry row of this robot's from a pack, as [`Self::push`] takes its
    /// payload (the pack holds what the slim decode read of it).
    pub fn push_packed(&mut self, row: &PackedRow<'_>) {
        match *row {
            PackedRow::Sample(sample) if self.run.span.contains(sample.at_ms) => {
                self.run.samples.push(sample);
            }
            PackedRow::Unreadable { at_ms, reason } if self.run.span.contains(at_ms) => {
                self.run.unreadable.push(Unreadable {
                    at_ms,
                    kind: "telemetry",
                    reason: reason.to_owned(),
                });
            }
            _ => {}
        }
    }

    /// Takes the rows `later` took, as if pushed here after this builder's own: `later` read
    /// the same run's rows of a later part (a time slice or an id range read in parallel).
    pub fn append(&mut self, later: RunBuilder) {
        let run = &mut self.run;
        let mut later_run = later.run;
        run.samples.append(&mut later_run.samples);
        run.events.append(&mut later_run.events);
        self.event_keys.extend(later.event_keys);
        run.commands.append(&mut later_run.commands);
        run.unreadable.append(&mut later_run.unreadable);
    }

    pub fn finish(self) -> Run {
        let mut run = self.run;
        run.samples.sort_by_key(|s| s.at_ms);
        // A repeated sample (same number, back to back) says nothing new.
        run.samples.dedup_by_key(|s| s.seq);
        let mut events: Vec<(TimedEvent, (u64, u64))> =
            run.events.into_iter().zip(self.event_keys).collect();
        events.sort_by_key(|(e, _)| e.at_ms);
        let mut seen = BTreeSet::new();
        run.events = events
            .into_iter()
            .filter(|(_, key)| seen.insert(*key))
            .map(|(event, _)| event)
            .collect();
        run.commands.sort_by_key(|c| c.at_ms);
        // By kind too: telemetry may come from packs, apart from the events and commands.
        run.unreadable.sort_by_key(|u| (u.at_ms, u.kind));
        run
    }
}

impl Run {
    /// Picks this robot's records (and fleet-wide commands) inside `span` out of a session's
    /// records, in replay order (`at_ms`, then arrival), and decodes them. Status, ack and state
    /// records are not graded.
    pub fn from_records<'a>(
        robot: &RobotId,
        span: Span,
        records: impl IntoIterator<Item = &'a Record>,
        session_dropped: u64,
    ) -> Run {
        let rows = records
            .into_iter()
            .filter(|record| record.robot.as_ref().is_none_or(|id| id == robot))
            .map(|record| RowRef {
                kind: record.kind,
                at_ms: record.at_ms,
                fleet_wide: record.robot.is_none(),
                payload: &record.payload,
            });
        Self::from_rows(robot, span, rows, session_dropped)
    }

    /// As [`Run::from_records`], from rows already narrowed to this robot's and the
    /// fleet-wide ones, in replay order. Rows outside `span` are skipped.
    pub fn from_rows<'a>(
        robot: &RobotId,
        span: Span,
        rows: impl IntoIterator<Item = RowRef<'a>>,
        session_dropped: u64,
    ) -> Run {
        let mut builder = RunBuilder::new(robot, span, session_dropped);
        for row in rows {
            builder.push(row);
        }
        builder.finish()
    }

    fn add(&mut self, record: RowRef<'_>, event_keys: &mut Vec<(u64, u64)>) {
        let at_ms = record.at_ms;
        let unreadable = |kind: &'static str, reason: String| Unreadable {
            at_ms,
            kind,
            reason,
        };
        match record.kind {
            RecordKind::Telemetry => match slim::sample(record.payload, at_ms) {
                Ok(sample) => self.samples.push(sample),
                Err(e) => self.unreadable.push(unreadable("telemetry", e.to_string())),
            },
            RecordKind::Event => match decode::<Event>(record.payload) {
                Ok(e) => {
                    event_keys.push((e.seq, e.ts_ms));
                    self.events.push(TimedEvent {
                        at_ms,
                        seq: e.seq,
                        kind: e.kind,
                    });
                }
                Err(e) => self.unreadable.push(unreadable("event", e.to_string())),
            },
            RecordKind::Command => match decode::<Command>(record.payload) {
                Ok(c) => self.commands.push(TimedCommand {
                    at_ms,
                    kind: c.kind,
                    fleet_wide: record.fleet_wide,
                }),
                Err(e) => self.unreadable.push(unreadable("command", e.to_string())),
            },
            // The game's records say nothing about how a line-follow run went.
            RecordKind::Status | RecordKind::Ack | RecordKind::State | RecordKind::Game => {}
        }
    }

    /// When the autonomous part began: the first `line_follow` command or `line_follow_started`
    /// event, or the span's start if the run has neither.
    pub fn autonomous_start_ms(&self) -> i64 {
        let command = self
            .commands
            .iter()
            .find(|c| matches!(c.kind, CommandKind::LineFollow { .. }))
            .map(|c| c.at_ms);
        let event = self
            .events
            .iter()
            .find(|e| e.kind == EventKind::LineFollowStarted)
            .map(|e| e.at_ms);
        command
            .into_iter()
            .chain(event)
            .min()
            .unwrap_or(self.span.from_ms)
    }
}
