//! The game arena shared by simulated robots in one process: each robot's world lives apart
//! (one `World` per robot), so shots go through this small registry, which knows every
//! seated robot's pose and its hit channel. A shot is a cone in front of the shooter: the
//! nearest robot inside it and in range is hit (the nearest also stands in for line of sight:
//! the arena has no walls, and a robot hides whoever is behind it).

use std::f64::consts::PI;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use fleet_protocol::Pose;
use tokio::sync::broadcast;

use super::parts::{SharedWorld, lock};
use crate::hal::Hit;

/// How far an IR shot carries, metres (the course's emitters reach across a 3.6 m arena).
pub const RANGE: f64 = 2.0;
/// Half the cone's opening, radians (±10°).
pub const HALF_CONE: f64 = 10.0 * PI / 180.0;
/// The course's one weapon byte, the laser.
pub const LASER: u8 = 0xf1;
const HIT_BUFFER: usize = 16;

struct Seat {
    mac: u64,
    world: Weak<Mutex<super::World>>,
    hits: broadcast::Sender<Hit>,
}

/// Cheap to clone; every clone is the same arena.
#[derive(Clone, Default)]
pub struct SimArena {
    seats: Arc<Mutex<Vec<Seat>>>,
}

impl std::fmt::Debug for SimArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seated = self.seats.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("SimArena").field("seated", &seated).finish()
    }
}

/// A robot's place in an arena: what its gun shoots from and its receiver hears.
#[derive(Debug, Clone)]
pub struct ArenaSeat {
    pub arena: SimArena,
    /// The MAC its gun sends (the robot's course-style id, `0x` + 12 hex digits).
    pub mac: u64,
}

impl SimArena {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seats a robot; returns the sender its hit sensor subscribes to.
    pub(super) fn seat(&self, mac: u64, world: &SharedWorld) -> broadcast::Sender<Hit> {
        let (hits, _) = broadcast::channel(HIT_BUFFER);
        let mut seats = self.seats.lock().unwrap_or_else(PoisonError::into_inner);
        // A robot gone (its world dropped) leaves its seat.
        seats.retain(|s| s.world.strong_count() > 0 && s.mac != mac);
        seats.push(Seat {
            mac,
            world: Arc::downgrade(world),
            hits: hits.clone(),
        });
        hits
    }

    /// Fires from robot `mac`; returns the MAC of the robot hit, if any.
    pub fn shoot(&self, mac: u64) -> Option<u64> {
        let seats = self.seats.lock().unwrap_or_else(PoisonError::into_inner);
        let poses: Vec<(u64, Pose, &broadcast::Sender<Hit>)> = seats
            .iter()
            .filter_map(|s| {
                let world = s.world.upgrade()?;
                let pose = lock(&world).pose();
                Some((s.mac, pose, &s.hits))
            })
            .collect();
        let (_, from, _) = poses.iter().find(|(m, _, _)| *m == mac)?;
        let (victim, _, hits) = poses
            .iter()
            .filter(|(m, _, _)| *m != mac)
            .filter_map(|(m, pose, hits)| in_cone(from, pose).map(|d| (*m, d, *hits)))
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        // No receiver listening (the victim is not playing) is fine.
        let _ = hits.send(Hit { weapon: LASER, mac });
        Some(victim)
    }
}

/// The distance to `target` when it stands in the cone in front of `from`, within range.
fn in_cone(from: &Pose, target: &Pose) -> Option<f64> {
    let (dx, dy) = (target.x - from.x, target.y - from.y);
    let distance = dx.hypot(dy);
    if distance > RANGE || distance == 0.0 {
        return None;
    }
    let bearing = dy.atan2(dx) - from.heading;
    let off = bearing.sin().atan2(bearing.cos()).abs();
    (off <= HALF_CONE).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pose(x: f64, y: f64, heading_deg: f64) -> Pose {
        Pose {
            x,
            y,
            heading: heading_deg.to_radians(),
        }
    }

    #[test]
    fn the_cone_takes_what_is_ahead_within_range_and_ten_degrees() {
        let from = pose(1.0, 1.0, 0.0);
        assert_eq!(in_cone(&from, &pose(2.0, 1.0, 180.0)), Some(1.0));
        assert!(in_cone(&from, &pose(2.0, 1.1, 0.0)).is_some(), "5.7° off");
        assert_eq!(in_cone(&from, &pose(2.0, 1.3, 0.0)), None, "16.7° off");
        assert_eq!(in_cone(&from, &pose(0.0, 1.0, 0.0)), None, "behind");
        assert_eq!(in_cone(&from, &pose(3.5, 1.0, 0.0)), None, "out of range");
        let facing_left = pose(1.0, 1.0, 180.0);
        assert_eq!(in_cone(&facing_left, &pose(0.5, 1.0, 0.0)), Some(0.5));
    }
}
