//! The input of a grade: one robot's records over a span of a session, decoded once into
//! time-ordered telemetry samples, events and commands. Records that cannot be decoded are kept
//! as counted facts (they make the run unreliable), never a crash.
//!
//! Every time here is the record's receive time (`at_ms`, the orchestrator's clock), the one
//! clock all records share: the robots' own `ts_ms` clocks are not synchronised with it.

use std::collections::BTreeSet;

use fleet_protocol::{
    Command, CommandKind, Event, EventKind, LineReading, MotorOutput, Pose, RobotId, RobotMode,
    Telemetry, decode,
};
use serde::Serialize;

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
        let mut run = Run {
            robot: robot.clone(),
            span,
            samples: Vec::new(),
            events: Vec::new(),
            commands: Vec::new(),
            unreadable: Vec::new(),
            session_dropped,
        };
        // QoS 1 events may be delivered twice; the robot's (seq, ts) pair says it is the same.
        let mut seen_events = BTreeSet::new();
        for record in records {
            let mine = match &record.robot {
                Some(id) => id == robot,
                None => record.kind == RecordKind::Command,
            };
            if !mine || !span.contains(record.at_ms) {
                continue;
            }
            run.add(record, &mut seen_events);
        }
        // Stable: equal times keep arrival order, as a replay does.
        run.samples.sort_by_key(|s| s.at_ms);
        // A repeated sample (same number, back to back) says nothing new.
        run.samples.dedup_by_key(|s| s.seq);
        run.events.sort_by_key(|e| e.at_ms);
        run.commands.sort_by_key(|c| c.at_ms);
        run
    }

    fn add(&mut self, record: &Record, seen_events: &mut BTreeSet<(u64, u64)>) {
        let at_ms = record.at_ms;
        let unreadable = |kind: &'static str, reason: String| Unreadable {
            at_ms,
            kind,
            reason,
        };
        match record.kind {
            RecordKind::Telemetry => match decode::<Telemetry>(&record.payload) {
                Ok(t) => self.samples.push(Sample {
                    at_ms,
                    seq: t.seq,
                    mode: t.mode,
                    line: t.line,
                    motors: t.motors,
                    pose: t.pose,
                }),
                Err(e) => self.unreadable.push(unreadable("telemetry", e.to_string())),
            },
            RecordKind::Event => match decode::<Event>(&record.payload) {
                Ok(e) => {
                    if seen_events.insert((e.seq, e.ts_ms)) {
                        self.events.push(TimedEvent {
                            at_ms,
                            seq: e.seq,
                            kind: e.kind,
                        });
                    }
                }
                Err(e) => self.unreadable.push(unreadable("event", e.to_string())),
            },
            RecordKind::Command => match decode::<Command>(&record.payload) {
                Ok(c) => self.commands.push(TimedCommand {
                    at_ms,
                    kind: c.kind,
                    fleet_wide: record.robot.is_none(),
                }),
                Err(e) => self.unreadable.push(unreadable("command", e.to_string())),
            },
            RecordKind::Status | RecordKind::Ack | RecordKind::State => {}
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
