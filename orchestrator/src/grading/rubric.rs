//! Rubrics: how a run is scored, read from a versioned TOML file (`rubrics/line-follow.toml` is
//! the shipped default). Every error names the file, the line and the key; unknown keys are
//! refused, so a misspelt criterion is never silently left ungraded.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::rubric_file::{CountFile, MillimetresFile, RubricFile, SecondsFile, ShareFile};
use super::toml_location::{line_of_key, syntax_error};

/// The shipped rubric for the line-following oval.
pub const DEFAULT_RUBRIC: &str = include_str!("../../rubrics/line-follow.toml");
const DEFAULT_ORIGIN: &str = "built-in rubrics/line-follow.toml";

#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    #[error("cannot read rubric {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("rubric {origin}, line {line}{}: {problem}", key_label(key))]
    Invalid {
        origin: String,
        line: usize,
        /// The dotted key the problem is at (`criteria.best_lap.weight`), when one is known.
        key: Option<String>,
        problem: String,
    },
}

fn key_label(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!(", key `{k}`"))
        .unwrap_or_default()
}

/// Full marks at `full_at`, none at `zero_at`, a straight line between; lower is better when
/// `full_at < zero_at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub full_at: f64,
    pub zero_at: f64,
}

impl Band {
    /// The share of a criterion's weight `value` earns, 0..=1.
    pub fn fraction(&self, value: f64) -> f64 {
        let f = (self.zero_at - value) / (self.zero_at - self.full_at);
        if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) }
    }
}

/// A criterion's weight and band (in the criterion's unit: seconds, share, metres, count).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weighted {
    pub weight: f64,
    pub band: Band,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompletedRule {
    pub weight: f64,
    pub laps: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LossesRule {
    pub scored: Weighted,
    /// Off the line for less than this is a flicker, not a loss.
    pub min_ms: i64,
}

/// The criteria a rubric grades, in the order grades list them; `None` is not graded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criteria {
    pub completed: Option<CompletedRule>,
    pub total_time: Option<Weighted>,
    pub best_lap: Option<Weighted>,
    pub on_line: Option<Weighted>,
    pub line_losses: Option<LossesRule>,
    /// Band in metres (the file says millimetres).
    pub line_distance: Option<Weighted>,
    pub interventions: Option<Weighted>,
    pub estops: Option<Weighted>,
    pub left_course: Option<Weighted>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rubric {
    pub name: String,
    pub version: u32,
    /// The total is out of this (20 by default).
    pub scale: f64,
    /// A total at or above this passes.
    pub pass: f64,
    /// A silence longer than this between telemetry samples is unknown time.
    pub max_gap_ms: i64,
    pub criteria: Criteria,
    /// Where the rubric came from (a path, or the built-in default).
    pub origin: String,
    /// SHA-256 of the rubric's text, hex: two rubrics with the same version but edited
    /// numbers grade differently, and the hash tells them apart.
    pub hash: String,
}

impl Rubric {
    /// The shipped default for the line-following oval.
    pub fn line_follow() -> Rubric {
        Self::parse(DEFAULT_RUBRIC, DEFAULT_ORIGIN).expect("the shipped rubric is valid")
    }

    pub fn load(path: impl AsRef<Path>) -> Result<Rubric, RubricError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses rubric text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Rubric, RubricError> {
        let file: RubricFile = toml::from_str(text).map_err(|e| syntax_error(text, origin, &e))?;
        let check = Checker { text, origin };
        let c = file.criteria;
        let criteria = Criteria {
            completed: c
                .completed
                .map(|r| {
                    check.weight("completed", r.weight)?;
                    check.require(
                        r.laps >= 1,
                        "criteria.completed",
                        "laps",
                        "must be 1 or more",
                    )?;
                    Ok(CompletedRule {
                        weight: r.weight,
                        laps: r.laps,
                    })
                })
                .transpose()?,
            total_time: c
                .total_time
                .map(|r| check.seconds("total_time", r))
                .transpose()?,
            best_lap: c
                .best_lap
                .map(|r| check.seconds("best_lap", r))
                .transpose()?,
            on_line: c.on_line.map(|r| check.share("on_line", r)).transpose()?,
            line_losses: c
                .line_losses
                .map(|r| {
                    let scored = check.count(
                        "line_losses",
                        CountFile {
                            weight: r.weight,
                            free: r.free,
                            zero_at: r.zero_at,
                        },
                    )?;
                    Ok(LossesRule {
                        scored,
                        min_ms: i64::try_from(r.min_ms).unwrap_or(i64::MAX),
                    })
                })
                .transpose()?,
            line_distance: c
                .line_distance
                .map(|r| check.millimetres("line_distance", r))
                .transpose()?,
            interventions: c
                .interventions
                .map(|r| check.count("interventions", r))
                .transpose()?,
            estops: c.estops.map(|r| check.count("estops", r)).transpose()?,
            left_course: c
                .left_course
                .map(|r| check.count("left_course", r))
                .transpose()?,
        };
        check.require(file.version >= 1, "", "version", "must be 1 or more")?;
        check.require(
            file.scale.is_finite() && file.scale > 0.0,
            "",
            "scale",
            "must be a positive number",
        )?;
        check.require(
            file.pass.is_finite() && (0.0..=file.scale).contains(&file.pass),
            "",
            "pass",
            &format!("must be between 0 and the scale ({})", file.scale),
        )?;
        check.require(
            file.telemetry.max_gap_ms > 0,
            "telemetry",
            "max_gap_ms",
            "must be positive",
        )?;
        let rubric = Rubric {
            name: file.name,
            version: file.version,
            scale: file.scale,
            pass: file.pass,
            max_gap_ms: i64::try_from(file.telemetry.max_gap_ms).unwrap_or(i64::MAX),
            criteria,
            origin: origin.to_owned(),
            hash: hex_sha256(text),
        };
        check.require(
            rubric.total_weight() > 0.0,
            "criteria",
            "weight",
            "at least one criterion needs a positive weight",
        )?;
        Ok(rubric)
    }

    /// The sum of every graded criterion's weight.
    pub fn total_weight(&self) -> f64 {
        let c = &self.criteria;
        [
            c.completed.map(|r| r.weight),
            c.total_time.map(|r| r.weight),
            c.best_lap.map(|r| r.weight),
            c.on_line.map(|r| r.weight),
            c.line_losses.map(|r| r.scored.weight),
            c.line_distance.map(|r| r.weight),
            c.interventions.map(|r| r.weight),
            c.estops.map(|r| r.weight),
            c.left_course.map(|r| r.weight),
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Semantic checks, each naming the key's line in the text.
struct Checker<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Checker<'_> {
    fn require(&self, ok: bool, table: &str, key: &str, problem: &str) -> Result<(), RubricError> {
        if ok {
            return Ok(());
        }
        let full = if table.is_empty() {
            key.to_owned()
        } else {
            format!("{table}.{key}")
        };
        Err(RubricError::Invalid {
            origin: self.origin.to_owned(),
            line: line_of_key(self.text, table, key),
            key: Some(full),
            problem: problem.to_owned(),
        })
    }

    fn weight(&self, criterion: &str, weight: f64) -> Result<(), RubricError> {
        self.require(
            weight.is_finite() && weight >= 0.0,
            &format!("criteria.{criterion}"),
            "weight",
            "must be a number of 0 or more",
        )
    }

    fn band(&self, criterion: &str, full_key: &str, band: Band) -> Result<(), RubricError> {
        self.require(
            band.full_at.is_finite() && band.zero_at.is_finite() && band.full_at != band.zero_at,
            &format!("criteria.{criterion}"),
            full_key,
            "full marks and zero marks need two different finite values",
        )
    }

    fn seconds(&self, criterion: &str, r: SecondsFile) -> Result<Weighted, RubricError> {
        self.weight(criterion, r.weight)?;
        let band = Band {
            full_at: r.full_at_s,
            zero_at: r.zero_at_s,
        };
        self.band(criterion, "full_at_s", band)?;
        self.require(
            band.full_at >= 0.0 && band.full_at < band.zero_at,
            &format!("criteria.{criterion}"),
            "zero_at_s",
            "must be longer than full_at_s (a shorter time is better)",
        )?;
        Ok(Weighted {
            weight: r.weight,
            band,
        })
    }

    fn share(&self, criterion: &str, r: ShareFile) -> Result<Weighted, RubricError> {
        self.weight(criterion, r.weight)?;
        let band = Band {
            full_at: r.full_at,
            zero_at: r.zero_at,
        };
        self.band(criterion, "full_at", band)?;
        let table = format!("criteria.{criterion}");
        self.require(
            (0.0..=1.0).contains(&band.full_at),
            &table,
            "full_at",
            "a share is between 0 and 1",
        )?;
        self.require(
            (0.0..band.full_at).contains(&band.zero_at),
            &table,
            "zero_at",
            "must be a share below full_at (a larger share is better)",
        )?;
        Ok(Weighted {
            weight: r.weight,
            band,
        })
    }

    fn millimetres(&self, criterion: &str, r: MillimetresFile) -> Result<Weighted, RubricError> {
        self.weight(criterion, r.weight)?;
        let band = Band {
            full_at: r.full_at_mm / 1000.0,
            zero_at: r.zero_at_mm / 1000.0,
        };
        self.band(criterion, "full_at_mm", band)?;
        self.require(
            band.full_at >= 0.0 && band.full_at < band.zero_at,
            &format!("criteria.{criterion}"),
            "zero_at_mm",
            "must be more than full_at_mm (closer to the line is better)",
        )?;
        Ok(Weighted {
            weight: r.weight,
            band,
        })
    }

    fn count(&self, criterion: &str, r: CountFile) -> Result<Weighted, RubricError> {
        self.weight(criterion, r.weight)?;
        self.require(
            r.zero_at > r.free,
            &format!("criteria.{criterion}"),
            "zero_at",
            "must be more than `free` (the count allowed without losing points)",
        )?;
        Ok(Weighted {
            weight: r.weight,
            band: Band {
                full_at: f64::from(r.free),
                zero_at: f64::from(r.zero_at),
            },
        })
    }
}
