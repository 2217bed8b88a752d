//! The simulated RaspTank's physics: differential-drive kinematics with an acceleration limit,
//! and three digital line sensors that read the floor map under their real positions.
//!
//! Sensor convention: the floor is light, the line black, zones white. A sensor reads `true`
//! only on the black line; like the real digital module it cannot tell a white zone from the
//! light floor. An agent therefore recognises a zone as "all three sensors went white while the
//! robot was centred on the line" (the zone interrupts the line) and leaves it when the line
//! reappears. Outside the map the floor counts as light.
//!
//! [`World::step`] is deterministic: the same motor outputs and time steps give the same poses,
//! so tests drive it directly with a fixed `dt` instead of waiting on clocks.

use std::f64::consts::PI;
use std::sync::Arc;

use fleet_protocol::{LineReading, LineSensor, MotorOutput, Pose};

use fleet_course::{Course, Point, Surface};

/// The robot's physical figures (HARDWARE.md has where the defaults come from).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhysicsParams {
    /// Distance between the two tracks' centres, metres.
    pub track_width: f64,
    /// Track speed at full PWM (output 1.0), metres per second.
    pub max_speed: f64,
    /// Largest change of a track's speed, metres per second squared.
    pub max_accel: f64,
    /// How far ahead of the robot's centre the sensor row sits, metres.
    pub sensor_ahead: f64,
    /// Distance between neighbouring sensors (left-middle, middle-right), metres.
    pub sensor_spacing: f64,
}

impl Default for PhysicsParams {
    fn default() -> Self {
        Self {
            track_width: 0.18,
            max_speed: 0.29,
            max_accel: 1.5,
            sensor_ahead: 0.06,
            sensor_spacing: 0.015,
        }
    }
}

/// One simulated robot on one floor.
#[derive(Debug, Clone)]
pub struct World {
    map: Arc<Course>,
    params: PhysicsParams,
    pose: Pose,
    output: MotorOutput,
    /// Current track speeds (left, right), metres per second.
    speeds: (f64, f64),
    distance: f64,
    elapsed: f64,
    reading: LineReading,
}

impl World {
    pub fn new(map: Arc<Course>, start: Pose, params: PhysicsParams) -> Self {
        let mut world = Self {
            map,
            params,
            pose: start,
            output: MotorOutput::default(),
            speeds: (0.0, 0.0),
            distance: 0.0,
            elapsed: 0.0,
            reading: LineReading::default(),
        };
        world.reading = world.sense();
        world
    }

    pub fn map(&self) -> &Arc<Course> {
        &self.map
    }

    /// Sets the motor outputs, clamped to -1..=1 (NaN counts as 0). The tracks then accelerate
    /// toward them over the next steps.
    pub fn set_motors(&mut self, output: MotorOutput) {
        let clamp = |v: f32| if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) };
        self.output = MotorOutput {
            left: clamp(output.left),
            right: clamp(output.right),
        };
    }

    pub fn motors(&self) -> MotorOutput {
        self.output
    }

    pub fn pose(&self) -> Pose {
        self.pose
    }

    /// Puts the robot somewhere else, at rest (a hand picking it up).
    pub fn set_pose(&mut self, pose: Pose) {
        self.pose = pose;
        self.speeds = (0.0, 0.0);
        self.reading = self.sense();
    }

    /// Current (left, right) track speeds, metres per second.
    pub fn track_speeds(&self) -> (f64, f64) {
        self.speeds
    }

    /// Path length the robot's centre has covered, metres (turning in place adds nothing).
    pub fn distance_travelled(&self) -> f64 {
        self.distance
    }

    /// Simulated seconds since the world was made.
    pub fn elapsed(&self) -> f64 {
        self.elapsed
    }

    /// The line sensors as of the last step.
    pub fn line_reading(&self) -> LineReading {
        self.reading
    }

    /// Where the left, middle and right sensors are on the floor.
    pub fn sensor_points(&self) -> [Point; 3] {
        let Pose { x, y, heading } = self.pose;
        let (sin, cos) = heading.sin_cos();
        let ahead = self.params.sensor_ahead;
        // Positive lateral offset is to the robot's left (counter-clockwise of its heading).
        [1.0, 0.0, -1.0].map(|side| {
            let lateral = side * self.params.sensor_spacing;
            Point {
                x: x + ahead * cos - lateral * sin,
                y: y + ahead * sin + lateral * cos,
            }
        })
    }

    /// Advances the world by `dt` seconds and returns the new sensor reading.
    pub fn step(&mut self, dt: f64) -> LineReading {
        if dt.is_nan() || dt <= 0.0 {
            return self.reading;
        }
        let max_dv = self.params.max_accel * dt;
        let target = |out: f32| f64::from(out) * self.params.max_speed;
        let approach = |v: f64, to: f64| v + (to - v).clamp(-max_dv, max_dv);
        let (l0, r0) = self.speeds;
        let (l1, r1) = (
            approach(l0, target(self.output.left)),
            approach(r0, target(self.output.right)),
        );
        // Speeds change linearly within a step, so their mean is exact for the distance.
        let (vl, vr) = ((l0 + l1) / 2.0, (r0 + r1) / 2.0);
        let v = (vl + vr) / 2.0;
        let w = (vr - vl) / self.params.track_width;
        let Pose { x, y, heading } = self.pose;
        let turned = w * dt;
        let (nx, ny) = if turned.abs() < 1e-9 {
            (x + v * dt * heading.cos(), y + v * dt * heading.sin())
        } else {
            // Exact arc of constant curvature.
            let radius = v / w;
            (
                x + radius * ((heading + turned).sin() - heading.sin()),
                y - radius * ((heading + turned).cos() - heading.cos()),
            )
        };
        self.pose = Pose {
            x: nx,
            y: ny,
            heading: normalise(heading + turned),
        };
        self.speeds = (l1, r1);
        self.distance += v.abs() * dt;
        self.elapsed += dt;
        self.reading = self.sense();
        self.reading
    }

    fn sense(&self) -> LineReading {
        let [l, m, r] = self
            .sensor_points()
            .map(|p| self.map.surface_at(p) == Surface::Line);
        LineReading {
            left: l,
            middle: m,
            right: r,
        }
    }
}

/// The edges between two readings, one sensor at a time (left, middle, right), each with the
/// reading just after it, as separate interrupts would report them.
pub fn edges_between(
    before: LineReading,
    after: LineReading,
) -> Vec<(LineSensor, bool, LineReading)> {
    let mut now = before;
    let mut edges = Vec::new();
    if now.left != after.left {
        now.left = after.left;
        edges.push((LineSensor::Left, after.left, now));
    }
    if now.middle != after.middle {
        now.middle = after.middle;
        edges.push((LineSensor::Middle, after.middle, now));
    }
    if now.right != after.right {
        now.right = after.right;
        edges.push((LineSensor::Right, after.right, now));
    }
    edges
}

/// Wraps an angle into -pi..=pi.
fn normalise(a: f64) -> f64 {
    let wrapped = (a + PI).rem_euclid(2.0 * PI) - PI;
    if wrapped == -PI { PI } else { wrapped }
}
