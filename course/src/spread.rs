//! Where to put `n` robots at once: spread evenly along the line, facing along it, each where
//! its line sensors see the line (clear of the white zones and of an open line's ends).

use fleet_protocol::Pose;

use crate::course::{Course, Line};

/// A robot's centre is kept this far from a zone's edge and from an open line's ends: its
/// sensor row is 6 cm ahead of the centre, and the follower needs a few centimetres of line
/// to lock on before anything interrupts it.
pub const START_CLEARANCE_M: f64 = 0.10;

/// A robot faces the point of the line this far ahead of where it stands: a RaspTank's line
/// sensors sit 6 cm ahead of its centre, so on a bend (or at a corner of the polyline) they
/// are over the tape, where facing along the tangent could put them a centimetre off it.
pub const START_LOOK_AHEAD_M: f64 = 0.06;

/// Without a line, robots stand in a row behind the start pose, this far apart.
const ROW_SPACING_M: f64 = 0.25;

impl Course {
    /// Start poses for `n` robots: spread evenly along the free stretches of the line (clear
    /// of zones by [`START_CLEARANCE_M`]), facing along it (toward the line
    /// [`START_LOOK_AHEAD_M`] ahead). On a closed line the first robot
    /// is at the map's start pose (or the first free point after it); on an open line the
    /// robots share its length evenly. Without a line (or with no free stretch), they stand
    /// in a row behind the start pose.
    pub fn start_poses(&self, n: usize) -> Vec<Pose> {
        let free = self
            .line
            .as_ref()
            .map(|line| (line, free_stretches(self, line)));
        let Some((line, free)) = free.filter(|(_, free)| !free.is_empty()) else {
            return self.row_behind_start(n);
        };
        let total: f64 = free.iter().map(|(from, to)| to - from).sum();
        (0..n)
            .map(|i| {
                let share = total * i as f64 / n as f64;
                let at = if line.closed {
                    let start = self
                        .progress(pose_point(self.start()))
                        .map_or(0.0, |p| p.along);
                    (free_coordinate(&free, start) + share).rem_euclid(total)
                } else {
                    share + total / (2.0 * n as f64)
                };
                facing_ahead(line, along_of(&free, at))
            })
            .collect()
    }

    fn row_behind_start(&self, n: usize) -> Vec<Pose> {
        let start = self.start();
        (0..n)
            .map(|i| {
                let back = ROW_SPACING_M * i as f64;
                Pose {
                    x: start.x - back * start.heading.cos(),
                    y: start.y - back * start.heading.sin(),
                    heading: start.heading,
                }
            })
            .collect()
    }
}

/// The pose on the line at `along`, turned toward the line a little further along.
fn facing_ahead(line: &Line, along: f64) -> Pose {
    let here = line.pose_at(along);
    let ahead = line.pose_at(along + START_LOOK_AHEAD_M);
    let (dx, dy) = (ahead.x - here.x, ahead.y - here.y);
    if dx.hypot(dy) < START_LOOK_AHEAD_M / 2.0 {
        // Past the end of an open line: its own direction is all there is.
        return here;
    }
    Pose {
        heading: dy.atan2(dx),
        ..here
    }
}

fn pose_point(pose: Pose) -> crate::Point {
    crate::Point::new(pose.x, pose.y)
}

/// The stretches `(from, to)` of the line, in metres along it and in order, where a robot may
/// start: the line minus every zone crossing widened by the clearance (and minus an open
/// line's ends).
fn free_stretches(course: &Course, line: &Line) -> Vec<(f64, f64)> {
    let length = line.length;
    let mut blocked: Vec<(f64, f64)> = Vec::new();
    for zone in course.zones() {
        for (enter, leave) in line.crossings(zone) {
            let (from, to) = (enter - START_CLEARANCE_M, leave + START_CLEARANCE_M);
            // On a closed line a widened crossing may run past either end: wrap it round.
            if line.closed && from < 0.0 {
                blocked.push((from + length, length));
            }
            if line.closed && to > length {
                blocked.push((0.0, to - length));
            }
            blocked.push((from.max(0.0), to.min(length)));
        }
    }
    if !line.closed {
        blocked.push((0.0, START_CLEARANCE_M));
        blocked.push((length - START_CLEARANCE_M, length));
    }
    blocked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut free = Vec::new();
    let mut cursor = 0.0_f64;
    for (from, to) in blocked {
        if from > cursor {
            free.push((cursor, from));
        }
        cursor = cursor.max(to);
    }
    if cursor < length {
        free.push((cursor, length));
    }
    free
}

/// How much free line lies before `along` (a blocked `along` counts as the next free point).
fn free_coordinate(free: &[(f64, f64)], along: f64) -> f64 {
    let mut before = 0.0;
    for &(from, to) in free {
        if along < to {
            return before + (along - from).max(0.0);
        }
        before += to - from;
    }
    // Past the last free stretch: wraps to the first free point.
    0.0
}

/// The inverse of [`free_coordinate`]: the point `at` metres into the free stretches.
fn along_of(free: &[(f64, f64)], at: f64) -> f64 {
    let mut left = at;
    for &(from, to) in free {
        if left <= to - from {
            return from + left;
        }
        left -= to - from;
    }
    free.last().map_or(0.0, |&(_, to)| to)
}
