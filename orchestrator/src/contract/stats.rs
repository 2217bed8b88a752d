//! `GET /api/stats` answers [`Stats`], the counters that tell whether anything is dropped;
//! `GET /api/healthz` answers [`Health`].

use serde::{Deserialize, Serialize};

use crate::actors::FleetStats;
use crate::mqtt::LinkStats;
use crate::recorder::RecorderStats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub fleet: FleetStats,
    pub mqtt: LinkStats,
    pub recorder: RecorderStats,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}
