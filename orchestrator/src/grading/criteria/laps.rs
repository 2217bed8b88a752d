//! Laps, counted at the start/finish zone from the robot's zone events and poses by the lap
//! rule the live mission judge shares ([`fleet_course::LapCounter`]): a lap ends when the
//! robot enters the zone after having left it and gone round (passed the line's checkpoints,
//! or, without a pose, been out of the zone long enough), so a robot that starts before or
//! inside the zone still drives a whole first lap, and leaving and re-entering is none.

use fleet_course::{Course, LapCounter, Point};
use fleet_protocol::EventKind;

use crate::grading::line_index::LineIndex;
use crate::grading::run::Run;

#[derive(Debug, Clone, PartialEq)]
pub struct Laps {
    /// When line following began (the clock for the total time).
    pub start_ms: i64,
    /// Each counted lap's time, in order: from the zone entry before it (or, for a robot that
    /// started inside the zone, from leaving it) to the entry that ends it.
    pub lap_ms: Vec<i64>,
    /// When the `required`-th lap ended.
    pub completed_at_ms: Option<i64>,
}

impl Laps {
    pub fn done(&self) -> u32 {
        u32::try_from(self.lap_ms.len()).unwrap_or(u32::MAX)
    }

    pub fn best_ms(&self) -> Option<i64> {
        self.lap_ms.iter().copied().min()
    }

    pub fn total_ms(&self) -> Option<i64> {
        self.completed_at_ms.map(|at| at - self.start_ms)
    }
}

pub fn laps(run: &Run, course: &Course, required: u32) -> Laps {
    laps_on(run, course, &LineIndex::new(course), required)
}

/// [`laps`], with the course's line index at hand (the grader keeps one per course).
pub(crate) fn laps_on(run: &Run, course: &Course, line: &LineIndex<'_>, required: u32) -> Laps {
    let start_ms = run.autonomous_start_ms();
    let mut counter = LapCounter::new(course);
    // The fraction of a lap a pose is at, as `Course::lap_fraction` gives it, through the
    // grid (an hour of a class is two million poses to place on the line).
    let origin = course.lap_origin();
    let fraction = |p: Point| Some(course.lap_fraction_along(line.along(p)?, origin?));
    let mut lap_ms = Vec::new();
    let mut completed_at_ms = None;
    // Positions and zone events in time order (a position first on a tie: it was measured
    // before the event that follows it was reported).
    let mut poses = run
        .samples
        .iter()
        .filter(|s| s.at_ms >= start_ms)
        .filter_map(|s| Some((s.at_ms, s.pose?)))
        .peekable();
    for event in run.events.iter().filter(|e| e.at_ms >= start_ms) {
        while let Some((_, pose)) = poses.next_if(|(at, _)| *at <= event.at_ms) {
            // Placed only while it can change the count.
            if !counter.wants_position() {
                continue;
            }
            if let Some(fraction) = fraction(Point {
                x: pose.x,
                y: pose.y,
            }) {
                counter.position(fraction);
            }
        }
        match event.kind {
            EventKind::ZoneLeft => counter.left(event.at_ms),
            EventKind::ZoneEntered => {
                if let Some(lap) = counter.entered(event.at_ms) {
                    lap_ms.push(lap);
                    if lap_ms.len() == required as usize {
                        completed_at_ms = Some(event.at_ms);
                    }
                }
            }
            _ => {}
        }
    }
    Laps {
        start_ms,
        lap_ms,
        completed_at_ms,
    }
}
