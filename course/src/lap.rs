//! The lap rule, shared by both referees (the orchestrator's live mission judge and grading):
//! what makes a robot's zone events and positions a lap of the course.
//!
//! A lap ends when the robot enters the finish zone after having left it **and gone round**:
//! - with positions (a simulated robot's pose): since it last left the zone it passed the
//!   line's two checkpoints in order, a third and two thirds of the way round from the zone
//!   (each "passed" by a position in the third of the line that starts there). Driving round
//!   backwards passes them in the wrong order and is no lap;
//! - without positions (a real robot reports none): it was out of the zone at least as long
//!   as driving [`MIN_OUT_SHARE`] of the line at the RaspTank's top speed takes.
//!
//! Leaving and re-entering at once (a ragged zone edge, a robot spinning in the zone to find
//! the line) is therefore no lap. Before this rule a run started inside the zone was given a
//! "lap" of 1.6 s.

use crate::Course;
use crate::geometry::Point;
use crate::zone::ZoneRole;

/// The fastest a RaspTank drives (both tracks at full PWM), metres per second: the
/// simulator's model of the real robot, and the agent's line-follow default.
pub const TOP_SPEED_MPS: f64 = 0.29;

/// Without positions, a lap needs the robot out of the zone for the time driving this share
/// of the line takes at [`TOP_SPEED_MPS`]: a third, so a robot faster than the nominal top
/// speed (a fresh battery) still gets its laps, while leaving and re-entering never does.
/// On the shipped oval (4.9 m): 5.6 s, where a lap at speed 0.5 takes about 35 s.
pub const MIN_OUT_SHARE: f64 = 1.0 / 3.0;

/// The two checkpoints, as fractions of the way round from the finish zone.
const CHECKPOINTS: [f64; 2] = [1.0 / 3.0, 2.0 / 3.0];

impl Course {
    /// How far round the course `p` is, `0..1` from where the line leaves the finish zone, in
    /// the line's direction (the driving direction); `None` unless the line is closed and a
    /// finish zone crosses it (an open line has no laps to go round).
    pub fn lap_fraction(&self, p: Point) -> Option<f64> {
        let origin = self.lap_origin()?;
        let along = self.progress(p)?.along;
        Some(self.lap_fraction_along(along, origin))
    }

    /// Where laps are measured from: metres along the line where it leaves the finish zone;
    /// `None` where [`Course::lap_fraction`] is.
    pub fn lap_origin(&self) -> Option<f64> {
        let line = self.line.as_ref().filter(|line| line.closed)?;
        let zone = self.zones_with_role(ZoneRole::Finish).next()?;
        let (_, origin) = line.crossings(zone).next()?;
        (line.length > 0.0).then_some(origin)
    }

    /// [`Course::lap_fraction`] of the point `along` metres along the line, given
    /// [`Course::lap_origin`] (for a caller that found `along` itself, faster).
    pub fn lap_fraction_along(&self, along: f64, origin: f64) -> f64 {
        self.line
            .as_ref()
            .map_or(0.0, |line| line.wrap(along - origin) / line.length)
    }
}

/// Counts laps from zone events (with their times) and, when known, positions, by the rule of
/// this module's doc. Times are milliseconds on any one clock.
#[derive(Debug, Clone, PartialEq)]
pub struct LapCounter {
    min_out_ms: i64,
    done: u32,
    /// When the robot last left the zone, if it has not entered it since.
    left_at: Option<i64>,
    /// Where the lap being driven began: the last entry, or leaving the zone for a robot that
    /// started inside it.
    lap_from: Option<i64>,
    /// Since the robot last left the zone: a position was known, and the checkpoints passed.
    positioned: bool,
    checkpoints: usize,
}

impl LapCounter {
    pub fn new(course: &Course) -> Self {
        let secs = MIN_OUT_SHARE * course.line_length() / TOP_SPEED_MPS;
        Self {
            min_out_ms: (secs * 1000.0).round() as i64,
            done: 0,
            left_at: None,
            lap_from: None,
            positioned: false,
            checkpoints: 0,
        }
    }

    /// Laps counted so far.
    pub fn done(&self) -> u32 {
        self.done
    }

    /// How long a robot without positions must be out of the zone for a lap, ms.
    pub fn min_out_ms(&self) -> i64 {
        self.min_out_ms
    }

    pub fn left(&mut self, at_ms: i64) {
        self.left_at = Some(at_ms);
        self.lap_from.get_or_insert(at_ms);
        self.positioned = false;
        self.checkpoints = 0;
    }

    /// Whether a position now could change the count: the robot is out of the zone and has
    /// not yet passed both checkpoints (a caller may skip measuring positions otherwise).
    pub fn wants_position(&self) -> bool {
        self.left_at.is_some() && (!self.positioned || self.checkpoints < CHECKPOINTS.len())
    }

    /// A position, as [`Course::lap_fraction`] gives it.
    pub fn position(&mut self, fraction: f64) {
        if self.left_at.is_none() || !(0.0..1.0).contains(&fraction) {
            return;
        }
        self.positioned = true;
        // The next checkpoint is passed by a position in the third of the line it opens.
        if let Some(&at) = CHECKPOINTS.get(self.checkpoints)
            && (at..at + 1.0 / 3.0).contains(&fraction)
        {
            self.checkpoints += 1;
        }
    }

    /// An entry into the zone: the lap's time if it ends one.
    pub fn entered(&mut self, at_ms: i64) -> Option<i64> {
        let went_round = self.left_at.is_some_and(|left| {
            if self.positioned {
                self.checkpoints == CHECKPOINTS.len()
            } else {
                at_ms - left >= self.min_out_ms
            }
        });
        let lap = match self.lap_from {
            Some(from) if went_round => {
                self.done += 1;
                Some(at_ms - from)
            }
            _ => None,
        };
        self.left_at = None;
        self.lap_from = Some(at_ms);
        lap
    }
}
