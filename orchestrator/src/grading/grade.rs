//! A grade: each criterion's raw value, points and a sentence a student can read, the total on
//! the rubric's scale, pass/fail, and whether the recording can be trusted. [`grade`] is a pure
//! function of the run, the course and the rubric: no clock, no hash-map order, so the same
//! inputs give the same grade, byte for byte.

use fleet_protocol::RobotId;
use serde::Serialize;

use super::Course;
use super::criteria::{self, Distance, Exits, Laps, LineMeasure};
use super::gaps::{Reliability, timeline};
use super::line_index::LineIndex;
use super::rounding::hundredths;
use super::rubric::{Rubric, Weighted};
use super::run::{Run, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Completed,
    TotalTime,
    BestLap,
    OnLine,
    LineLosses,
    LineDistance,
    Interventions,
    Estops,
    LeftCourse,
}

impl Criterion {
    /// Every criterion, in the gradebook's column order.
    pub const ALL: [Criterion; 9] = [
        Criterion::Completed,
        Criterion::TotalTime,
        Criterion::BestLap,
        Criterion::OnLine,
        Criterion::LineLosses,
        Criterion::LineDistance,
        Criterion::Interventions,
        Criterion::Estops,
        Criterion::LeftCourse,
    ];

    /// The rubric key and gradebook column name.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Completed => "completed",
            Criterion::TotalTime => "total_time",
            Criterion::BestLap => "best_lap",
            Criterion::OnLine => "on_line",
            Criterion::LineLosses => "line_losses",
            Criterion::LineDistance => "line_distance",
            Criterion::Interventions => "interventions",
            Criterion::Estops => "estops",
            Criterion::LeftCourse => "left_course",
        }
    }
}

/// What was measured, in the criterion's own unit; `None` where nothing could be measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Raw {
    Laps {
        done: u32,
        required: u32,
    },
    Seconds {
        seconds: Option<f64>,
    },
    Share {
        share: Option<f64>,
        known_s: f64,
    },
    Losses {
        count: u32,
        longest_s: Option<f64>,
    },
    Distance {
        mean_mm: Option<f64>,
        max_mm: Option<f64>,
    },
    Count {
        count: Option<u32>,
    },
}

impl Raw {
    /// The one number a gradebook column shows.
    pub fn value(&self) -> Option<f64> {
        match *self {
            Raw::Laps { done, .. } => Some(f64::from(done)),
            Raw::Seconds { seconds } => seconds,
            Raw::Share { share, .. } => share,
            Raw::Losses { count, .. } => Some(f64::from(count)),
            Raw::Distance { mean_mm, .. } => mean_mm,
            Raw::Count { count } => count.map(f64::from),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionGrade {
    pub criterion: Criterion,
    pub raw: Raw,
    /// False when the recording cannot tell (no pose from a real robot, no telemetry): such a
    /// criterion is left out of the total instead of scoring zero.
    pub measured: bool,
    pub points: f64,
    pub max_points: f64,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RubricRef {
    pub name: String,
    pub version: u32,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub robot: RobotId,
    pub span: Span,
    pub rubric: RubricRef,
    pub criteria: Vec<CriterionGrade>,
    pub total: f64,
    pub scale: f64,
    pub passed: bool,
    pub reliability: Reliability,
}

/// A criterion before it is put on the rubric's scale.
struct Scored {
    criterion: Criterion,
    raw: Raw,
    weight: f64,
    /// `None`: not measured.
    fraction: Option<f64>,
    explanation: String,
}

pub fn grade(run: &Run, course: &Course, rubric: &Rubric) -> Grade {
    grade_on(run, course, &LineIndex::new(course), rubric)
}

/// [`grade()`], with the course's line index at hand: a grader of many runs on one course
/// keeps one (its grid is filled as runs visit it) instead of one per run.
pub(crate) fn grade_on(
    run: &Run,
    course: &Course,
    line_index: &LineIndex<'_>,
    rubric: &Rubric,
) -> Grade {
    let timeline = timeline(run, rubric.max_gap_ms);
    let c = &rubric.criteria;
    let mut scored = Vec::new();
    let required = c.completed.map_or(1, |r| r.laps);
    let laps = criteria::laps::laps_on(run, course, line_index, required);
    if let Some(rule) = c.completed {
        scored.push(completed(&laps, rule.laps, rule.weight));
    }
    if let Some(rule) = c.total_time {
        scored.push(seconds(
            Criterion::TotalTime,
            laps.total_ms(),
            rule,
            "finished in",
            "did not finish the laps, so there is no total time",
        ));
    }
    if let Some(rule) = c.best_lap {
        scored.push(seconds(
            Criterion::BestLap,
            laps.best_ms(),
            rule,
            "best lap",
            "no lap completed, so there is no lap time",
        ));
    }
    let min_loss_ms = c.line_losses.map_or(0, |r| r.min_ms);
    let line = criteria::line(run, &timeline, course, min_loss_ms);
    if let Some(rule) = c.on_line {
        scored.push(on_line(&line, timeline.reliability.unknown_ms, rule));
    }
    if let Some(rule) = c.line_losses {
        scored.push(losses(&line, rule.scored));
    }
    if let Some(rule) = c.line_distance {
        scored.push(distance(
            criteria::distance(run, &timeline, line_index),
            rule,
        ));
    }
    if let Some(rule) = c.interventions {
        let n = criteria::interventions(run);
        let text = match n {
            0 => "not driven by hand during the run".to_owned(),
            n => format!("driven by hand {} during the run", times(n)),
        };
        scored.push(count(Criterion::Interventions, Some(n), rule, text));
    }
    if let Some(rule) = c.estops {
        let n = criteria::estops(run);
        let text = match n {
            0 => "no emergency stop".to_owned(),
            n => format!("emergency-stopped {}", times(n)),
        };
        scored.push(count(Criterion::Estops, Some(n), rule, text));
    }
    if let Some(rule) = c.left_course {
        scored.push(left_course(criteria::exits(run, &timeline, course), rule));
    }
    finish(run, rubric, scored, timeline.reliability)
}

fn finish(run: &Run, rubric: &Rubric, scored: Vec<Scored>, reliability: Reliability) -> Grade {
    let measured_weight: f64 = scored
        .iter()
        .filter(|s| s.fraction.is_some())
        .map(|s| s.weight)
        .sum();
    let per_weight = if measured_weight > 0.0 {
        rubric.scale / measured_weight
    } else {
        0.0
    };
    // Rounded to 0.01 so that the parts add up to the total shown and a perfect run gets
    // exactly the scale, whatever the weights (rounding each on its own can lose a hundredth).
    let points = hundredths(
        &scored
            .iter()
            .map(|s| s.fraction.unwrap_or(0.0) * s.weight * per_weight)
            .collect::<Vec<_>>(),
    );
    let max_points = hundredths(
        &scored
            .iter()
            .map(|s| s.fraction.map_or(0.0, |_| s.weight * per_weight))
            .collect::<Vec<_>>(),
    );
    let criteria: Vec<CriterionGrade> = scored
        .into_iter()
        .zip(points.into_iter().zip(max_points))
        .map(|(s, (points, max_points))| CriterionGrade {
            criterion: s.criterion,
            raw: s.raw,
            measured: s.fraction.is_some(),
            points,
            max_points,
            explanation: s.explanation,
        })
        .collect();
    // The total is the sum of the points shown, so the parts always add up.
    let total = round2(criteria.iter().map(|c| c.points).sum());
    Grade {
        robot: run.robot.clone(),
        span: run.span,
        rubric: RubricRef {
            name: rubric.name.clone(),
            version: rubric.version,
            hash: rubric.hash.clone(),
        },
        criteria,
        total,
        scale: rubric.scale,
        passed: total >= rubric.pass,
        reliability,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn times(n: u32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// "(full marks at 45 s, none at 120 s)"
fn band_note(rule: Weighted, unit: &str, factor: f64) -> String {
    format!(
        "full marks at {} {unit}, none at {} {unit}",
        rule.band.full_at * factor,
        rule.band.zero_at * factor
    )
}

fn completed(laps: &Laps, required: u32, weight: f64) -> Scored {
    let done = laps.done().min(required);
    let explanation = if done >= required {
        format!("completed {required} of {required} laps")
    } else {
        format!("completed {done} of {required} laps: the run ended before the last lap")
    };
    Scored {
        criterion: Criterion::Completed,
        raw: Raw::Laps { done, required },
        weight,
        fraction: Some(f64::from(done) / f64::from(required)),
        explanation,
    }
}

fn seconds(
    criterion: Criterion,
    ms: Option<i64>,
    rule: Weighted,
    what: &str,
    missing: &str,
) -> Scored {
    let value = ms.map(secs);
    let explanation = match value {
        Some(s) => format!("{what} {s:.1} s ({})", band_note(rule, "s", 1.0)),
        None => missing.to_owned(),
    };
    Scored {
        criterion,
        raw: Raw::Seconds { seconds: value },
        weight: rule.weight,
        // No time is a measured zero: the run had its chance to finish.
        fraction: Some(value.map_or(0.0, |s| rule.band.fraction(s))),
        explanation,
    }
}

fn on_line(line: &LineMeasure, unknown_ms: i64, rule: Weighted) -> Scored {
    // To 0.01 %, like the distances.
    let share = line.share().map(|s| (s * 10_000.0).round() / 10_000.0);
    let known_s = secs(line.known_ms);
    let explanation = match share {
        Some(share) => {
            let mut text = format!(
                "a sensor saw the line {:.1} % of the {known_s:.1} s known",
                share * 100.0
            );
            if unknown_ms > 0 {
                text += &format!(" ({:.1} s in telemetry gaps not counted)", secs(unknown_ms));
            }
            text
        }
        None => "not measured: no telemetry was recorded".to_owned(),
    };
    Scored {
        criterion: Criterion::OnLine,
        raw: Raw::Share { share, known_s },
        weight: rule.weight,
        fraction: share.map(|s| rule.band.fraction(s)),
        explanation,
    }
}

fn losses(line: &LineMeasure, rule: Weighted) -> Scored {
    let n = u32::try_from(line.losses.len()).unwrap_or(u32::MAX);
    let longest_s = line.longest_loss_ms().map(secs);
    let mut explanation = match n {
        0 => "never lost the line".to_owned(),
        n => format!("lost the line {}", times(n)),
    };
    if let Some(s) = longest_s {
        explanation += &format!(", the longest for {s:.1} s");
    }
    explanation += &format!(
        " ({} free, no points from {})",
        rule.band.full_at, rule.band.zero_at
    );
    Scored {
        criterion: Criterion::LineLosses,
        raw: Raw::Losses {
            count: n,
            longest_s,
        },
        weight: rule.weight,
        fraction: (line.known_ms > 0).then(|| rule.band.fraction(f64::from(n))),
        explanation,
    }
}

fn distance(measured: Option<Distance>, rule: Weighted) -> Scored {
    // To 0.01 mm: sums of floats in another order (another sampling of the same run) differ in
    // the last bits, and a grade should not.
    let mm = measured.map(|d| (round2(d.mean_m * 1000.0), round2(d.max_m * 1000.0)));
    let explanation = match mm {
        Some((mean, max)) => format!(
            "on average {mean:.1} mm from the line, at most {max:.1} mm ({})",
            band_note(rule, "mm", 1000.0)
        ),
        None => "not measured: the robot reported no position".to_owned(),
    };
    Scored {
        criterion: Criterion::LineDistance,
        raw: Raw::Distance {
            mean_mm: mm.map(|m| m.0),
            max_mm: mm.map(|m| m.1),
        },
        weight: rule.weight,
        fraction: mm.map(|(mean, _)| rule.band.fraction(mean / 1000.0)),
        explanation,
    }
}

fn count(criterion: Criterion, n: Option<u32>, rule: Weighted, explanation: String) -> Scored {
    let explanation = match n {
        Some(_) => format!(
            "{explanation} ({} free, no points from {})",
            rule.band.full_at, rule.band.zero_at
        ),
        None => explanation,
    };
    Scored {
        criterion,
        raw: Raw::Count { count: n },
        weight: rule.weight,
        fraction: n.map(|n| rule.band.fraction(f64::from(n))),
        explanation,
    }
}

fn left_course(exits: Option<Exits>, rule: Weighted) -> Scored {
    let text = match exits {
        Some(e) if e.count > 0 => format!(
            "left the floor {}, outside for {:.1} s",
            times(e.count),
            secs(e.outside_ms)
        ),
        Some(_) => "stayed on the floor".to_owned(),
        None => "not measured: the robot reported no position".to_owned(),
    };
    count(Criterion::LeftCourse, exits.map(|e| e.count), rule, text)
}
