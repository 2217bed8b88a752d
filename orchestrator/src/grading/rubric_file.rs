//! The rubric file's shape as serde reads it (unknown keys refused); `rubric.rs` checks the
//! numbers and turns it into a [`super::Rubric`].

use serde::Deserialize;

fn default_scale() -> f64 {
    20.0
}

fn default_max_gap_ms() -> u64 {
    500
}

fn default_laps() -> u32 {
    1
}

fn default_min_loss_ms() -> u64 {
    200
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RubricFile {
    pub(super) name: String,
    pub(super) version: u32,
    #[serde(default = "default_scale")]
    pub(super) scale: f64,
    pub(super) pass: f64,
    #[serde(default)]
    pub(super) telemetry: TelemetryFile,
    pub(super) criteria: CriteriaFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TelemetryFile {
    #[serde(default = "default_max_gap_ms")]
    pub(super) max_gap_ms: u64,
}

impl Default for TelemetryFile {
    fn default() -> Self {
        Self {
            max_gap_ms: default_max_gap_ms(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CriteriaFile {
    pub(super) completed: Option<CompletedFile>,
    pub(super) total_time: Option<SecondsFile>,
    pub(super) best_lap: Option<SecondsFile>,
    pub(super) on_line: Option<ShareFile>,
    pub(super) line_losses: Option<LossesFile>,
    pub(super) line_distance: Option<MillimetresFile>,
    pub(super) interventions: Option<CountFile>,
    pub(super) estops: Option<CountFile>,
    pub(super) left_course: Option<CountFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompletedFile {
    pub(super) weight: f64,
    #[serde(default = "default_laps")]
    pub(super) laps: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SecondsFile {
    pub(super) weight: f64,
    pub(super) full_at_s: f64,
    pub(super) zero_at_s: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShareFile {
    pub(super) weight: f64,
    pub(super) full_at: f64,
    pub(super) zero_at: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MillimetresFile {
    pub(super) weight: f64,
    pub(super) full_at_mm: f64,
    pub(super) zero_at_mm: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LossesFile {
    pub(super) weight: f64,
    #[serde(default = "default_min_loss_ms")]
    pub(super) min_ms: u64,
    #[serde(default)]
    pub(super) free: u32,
    pub(super) zero_at: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CountFile {
    pub(super) weight: f64,
    #[serde(default)]
    pub(super) free: u32,
    pub(super) zero_at: u32,
}
