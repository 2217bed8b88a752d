//! Laps, counted at the start/finish zone from the robot's zone events by the lap judge's rule
//! (`actors/mission/course.rs`): a lap ends when the robot enters the zone after having left
//! it, so a robot that starts before or inside the zone still drives a whole first lap.

use fleet_protocol::EventKind;

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

pub fn laps(run: &Run, required: u32) -> Laps {
    let start_ms = run.autonomous_start_ms();
    let mut lap_ms = Vec::new();
    let mut completed_at_ms = None;
    let mut left_zone = false;
    // Where the lap being driven began.
    let mut lap_from: Option<i64> = None;
    for event in run.events.iter().filter(|e| e.at_ms >= start_ms) {
        match event.kind {
            EventKind::ZoneLeft => {
                left_zone = true;
                lap_from.get_or_insert(event.at_ms);
            }
            EventKind::ZoneEntered => {
                if left_zone && let Some(from) = lap_from {
                    lap_ms.push(event.at_ms - from);
                    if lap_ms.len() == required as usize {
                        completed_at_ms = Some(event.at_ms);
                    }
                }
                left_zone = false;
                lap_from = Some(event.at_ms);
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
