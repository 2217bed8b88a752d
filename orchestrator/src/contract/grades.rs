//! `GET /api/sessions/{id}/grades` answers the session's leaderboard (a list of
//! [`LeaderboardRow`]s, best first); `GET /api/grades/{id}` one stored grade with its criteria;
//! `POST /api/grades/{id}/override` (body [`SetOverride`], teacher) answers the grade after it.

use serde::{Deserialize, Serialize};

pub use crate::store::{GradeOverride, StoredGrade};

/// One run on a session's leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardRow {
    pub rank: usize,
    /// The total that counts (the teacher's overrides applied); `grade.total` is the computed.
    pub effective_total: f64,
    pub grade: StoredGrade,
}

/// A teacher's correction of a criterion's points (`target`: its name) or of the `total`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetOverride {
    pub target: String,
    pub value: f64,
    pub reason: String,
}
