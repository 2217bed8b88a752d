//! Criteria from the robot's pose (the simulator reports it; a real robot does not, and then
//! these are not measured rather than zero): distance from the line and leaving the floor.

use crate::grading::gaps::Timeline;
use crate::grading::line_index::LineIndex;
use crate::grading::run::Run;
use crate::grading::{Course, Point};

/// Distance of the robot's centre from the line's centre, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distance {
    /// Time-weighted over the known time with a pose.
    pub mean_m: f64,
    pub max_m: f64,
    pub known_ms: i64,
}

/// Leaving the floor (the robot's centre outside the map).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exits {
    pub count: u32,
    pub outside_ms: i64,
    pub known_ms: i64,
}

fn point_of(run: &Run, sample: usize) -> Option<Point> {
    run.samples[sample].pose.map(|p| Point { x: p.x, y: p.y })
}

pub(crate) fn distance(run: &Run, timeline: &Timeline, line: &LineIndex<'_>) -> Option<Distance> {
    let mut weighted = 0.0;
    let mut known_ms = 0;
    let mut max_m: f64 = 0.0;
    for held in &timeline.held {
        let Some(p) = point_of(run, held.sample) else {
            continue;
        };
        let d = line.distance(p);
        weighted += d * held.len_ms() as f64;
        known_ms += held.len_ms();
        max_m = max_m.max(d);
    }
    (known_ms > 0).then(|| Distance {
        mean_m: weighted / known_ms as f64,
        max_m,
        known_ms,
    })
}

pub fn exits(run: &Run, timeline: &Timeline, course: &Course) -> Option<Exits> {
    let (width, height) = course.size();
    let mut exits = Exits {
        count: 0,
        outside_ms: 0,
        known_ms: 0,
    };
    let mut was_outside = false;
    for held in &timeline.held {
        let Some(p) = point_of(run, held.sample) else {
            continue;
        };
        let outside = !((0.0..=width).contains(&p.x) && (0.0..=height).contains(&p.y));
        if outside && !was_outside {
            exits.count += 1;
        }
        if outside {
            exits.outside_ms += held.len_ms();
        }
        was_outside = outside;
        exits.known_ms += held.len_ms();
    }
    (exits.known_ms > 0).then_some(exits)
}
