//! `GET /api/sessions/{id}/grades` answers the session's leaderboard (a list of
//! [`LeaderboardRow`]s, best first); `POST /api/sessions/{id}/grade` (teacher) grades the
//! session with the default rubric and answers [`GradedSession`]; `GET /api/grades/{id}` one
//! stored grade with its criteria; `GET /api/grades/{id}/trace` the run's samples
//! ([`RunTrace`]); `POST /api/grades/{id}/override` (body [`SetOverride`], teacher) answers the
//! grade after it.

use fleet_protocol::{LineReading, MotorOutput, Pose, RobotId};
use serde::{Deserialize, Serialize};

pub use crate::store::{GradeOverride, MarkedRun, StoredGrade};

/// One run on a session's leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardRow {
    pub rank: usize,
    /// The total that counts (the teacher's overrides applied); `grade.total` is the computed.
    pub effective_total: f64,
    /// Who drives the robot on the roster (several names joined by " & "); `None` when no
    /// student is assigned to it.
    #[serde(default)]
    pub student: Option<String>,
    /// The student's team on the roster, else the robot's group (first by name).
    #[serde(default)]
    pub team: Option<String>,
    /// The run as a person reads it: `mission 3`, `run 5 "second try"`.
    #[serde(default)]
    pub run: String,
    /// The teacher's mark the run was taken from (`None` for a mission's run).
    #[serde(default)]
    pub marked_run: Option<MarkedRun>,
    pub grade: StoredGrade,
}

/// What "grade now" did: how many runs it graded with which rubric, and the leaderboard of
/// that rubric's grades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedSession {
    pub graded: usize,
    pub rubric_name: String,
    pub rubric_version: u32,
    pub rubric_hash: String,
    pub leaderboard: Vec<LeaderboardRow>,
}

/// A teacher's correction of a criterion's points (`target`: its name) or of the `total`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetOverride {
    pub target: String,
    pub value: f64,
    pub reason: String,
}

/// A graded run's telemetry, for its page: the path, the line sensors and the motors over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTrace {
    pub grade: i64,
    pub robot: RobotId,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Telemetry samples the run has; `samples` holds all of them or a decimated share.
    pub total_samples: usize,
    /// One sample in `every` is kept (1: all), plus those on either side of a change on/off the
    /// line, so no line loss disappears.
    pub every: usize,
    pub samples: Vec<TracePoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// The orchestrator's clock (the record's receive time).
    pub at_ms: i64,
    pub seq: u64,
    /// `None` for a robot that does not know where it is (a real one without tracking).
    pub pose: Option<Pose>,
    pub line: LineReading,
    pub motors: MotorOutput,
    /// A line sensor saw the line.
    pub on_line: bool,
}
