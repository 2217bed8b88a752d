//! Following the line: the share of known time a sensor saw it, and the line losses, both
//! time-weighted over the timeline's held stretches (a sample counts for as long as it holds,
//! so sampling faster while the robot is lost does not make it look more lost).
//!
//! Crossing a white zone drawn over the line is not being off it: a sample counts as on the
//! line inside a zone (by pose where known, else between `zone_entered` and the event that
//! ends the crossing).

use fleet_protocol::EventKind;

use crate::grading::gaps::Timeline;
use crate::grading::run::{Run, Sample};
use crate::grading::{Course, Point};

/// One time the robot lost the line; `known_ms` excludes any gap inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loss {
    pub from_ms: i64,
    pub to_ms: i64,
    pub known_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineMeasure {
    pub known_ms: i64,
    pub on_ms: i64,
    pub losses: Vec<Loss>,
}

impl LineMeasure {
    /// `None` when no time is known.
    pub fn share(&self) -> Option<f64> {
        (self.known_ms > 0).then(|| self.on_ms as f64 / self.known_ms as f64)
    }

    pub fn longest_loss_ms(&self) -> Option<i64> {
        self.losses.iter().map(|l| l.known_ms).max()
    }
}

pub fn line(run: &Run, timeline: &Timeline, course: &Course, min_loss_ms: i64) -> LineMeasure {
    let crossings = zone_crossings(run);
    let mut crossing = crossings.iter().peekable();
    let mut known_ms = 0;
    let mut on_ms = 0;
    let mut losses = Vec::new();
    // The loss being measured; it survives a gap only if the robot is off the line on both
    // sides of it (counting it twice would punish the gap).
    let mut current: Option<Loss> = None;
    for held in &timeline.held {
        let sample = &run.samples[held.sample];
        while crossing.next_if(|c| c.1 <= sample.at_ms).is_some() {}
        let in_zone_by_events = crossing.peek().is_some_and(|c| c.0 <= sample.at_ms);
        let on = sample.line.any() || in_zone_by_events || in_zone_by_pose(sample, course);
        known_ms += held.len_ms();
        if on {
            on_ms += held.len_ms();
            if let Some(loss) = current.take() {
                losses.push(loss);
            }
        } else {
            let loss = current.get_or_insert(Loss {
                from_ms: held.from_ms,
                to_ms: held.from_ms,
                known_ms: 0,
            });
            loss.to_ms = held.to_ms;
            loss.known_ms += held.len_ms();
        }
    }
    losses.extend(current);
    losses.retain(|l| l.known_ms >= min_loss_ms);
    LineMeasure {
        known_ms,
        on_ms,
        losses,
    }
}

fn in_zone_by_pose(sample: &Sample, course: &Course) -> bool {
    sample.pose.is_some_and(|pose| {
        let p = Point {
            x: pose.x,
            y: pose.y,
        };
        course.zone_at(p).is_some()
    })
}

/// `[entered, ended)` for each reported zone crossing, in time order.
fn zone_crossings(run: &Run) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut entered: Option<i64> = None;
    for event in &run.events {
        match event.kind {
            EventKind::ZoneEntered => {
                entered.get_or_insert(event.at_ms);
            }
            EventKind::ZoneLeft
            | EventKind::LineLost
            | EventKind::LineFound
            | EventKind::LineFollowStopped { .. }
            | EventKind::Estopped => {
                if let Some(from) = entered.take() {
                    out.push((from, event.at_ms));
                }
            }
            _ => {}
        }
    }
    out.extend(entered.map(|from| (from, i64::MAX)));
    out
}
