//! Runs the teacher marks by hand: `POST /api/runs` (body [`StartRun`], teacher) starts one and
//! answers the [`MarkedRun`] (201); `POST /api/runs/end` (body [`EndRun`], teacher) ends the
//! robot's open run and answers it; `GET /api/runs` lists the runs open now and
//! `GET /api/sessions/{id}/runs` a session's marked runs.

use serde::{Deserialize, Serialize};

pub use crate::store::MarkedRun;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    pub robot: String,
    /// What to call the run on the leaderboard ("second try"); optional.
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndRun {
    pub robot: String,
}
