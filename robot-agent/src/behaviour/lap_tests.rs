//! The line follower driving the simulated robot around the shipped oval, in simulated time:
//! the world is stepped with a fixed `dt` and the follower sees edges and a 50 Hz tick, as the
//! runtime would feed it.

use std::f64::consts::{FRAC_PI_2, PI};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleet_protocol::{EventKind, MotorOutput, Pose};

use super::LineFollower;
use crate::hal::sim::world::edges_between;
use crate::hal::sim::{PhysicsParams, World};
use fleet_course::{Course, Point, Surface};

const DT: f64 = 0.01;
/// The runtime's tick: every other physics step.
const TICK_EVERY: usize = 2;

struct Drive {
    world: World,
    follower: LineFollower,
    t0: Instant,
    steps: usize,
    /// Events with the simulated time they came at and where the middle sensor was.
    events: Vec<(f64, EventKind, Point)>,
    /// Largest distance from the robot's centre to the line seen so far, metres.
    max_off_line: f64,
}

impl Drive {
    fn new(start: Pose, speed: f32) -> Self {
        let world = World::new(Arc::new(Course::oval()), start, PhysicsParams::default());
        Self {
            world,
            follower: LineFollower::new(speed),
            t0: Instant::now(),
            steps: 0,
            events: Vec::new(),
            max_off_line: 0.0,
        }
    }

    fn now(&self) -> Instant {
        self.t0 + Duration::from_secs_f64(self.world.elapsed())
    }

    fn feed(&mut self, reading: fleet_protocol::LineReading) {
        let step = self.follower.update(reading, self.now());
        self.world.set_motors(step.motors);
        let t = self.world.elapsed();
        let middle = self.world.sensor_points()[1];
        self.events
            .extend(step.events.into_iter().map(|e| (t, e, middle)));
    }

    /// One physics step, then the follower on every edge and on the tick.
    fn step(&mut self) {
        if self.steps == 0 {
            let reading = self.world.line_reading();
            self.feed(reading);
        }
        let before = self.world.line_reading();
        let after = self.world.step(DT);
        self.steps += 1;
        for (_, _, reading) in edges_between(before, after) {
            self.feed(reading);
        }
        if self.steps.is_multiple_of(TICK_EVERY) {
            self.feed(after);
        }
        let Pose { x, y, .. } = self.world.pose();
        let off = self.world.map().distance_to_line(Point { x, y });
        self.max_off_line = self.max_off_line.max(off);
    }

    /// Steps until `done` says so, or panics after `limit` simulated seconds.
    fn until(&mut self, limit: f64, mut done: impl FnMut(&Self) -> bool) {
        while !done(self) {
            assert!(
                self.world.elapsed() < limit,
                "not done after {limit} s; pose {:?}, events {:?}",
                self.world.pose(),
                self.events
            );
            self.step();
        }
    }

    fn count(&self, kind: &EventKind) -> usize {
        self.events.iter().filter(|(_, e, _)| e == kind).count()
    }

    fn times_of(&self, kind: &EventKind) -> Vec<f64> {
        self.events
            .iter()
            .filter(|(_, e, _)| e == kind)
            .map(|(t, _, _)| *t)
            .collect()
    }

    fn middle_sensor_surface(&self) -> Surface<'_> {
        let middle = self.world.sensor_points()[1];
        self.world.map().surface_at(middle)
    }
}

#[test]
fn line_following_completes_a_lap_of_the_oval_course() {
    let map = Course::oval();
    let speed = 0.5;
    let mut drive = Drive::new(map.start(), speed);
    // Into the finish zone, out of it, and round to it again.
    drive.until(120.0, |d| d.count(&EventKind::ZoneEntered) == 2);

    let entered = drive.times_of(&EventKind::ZoneEntered);
    assert_eq!(
        drive.middle_sensor_surface(),
        Surface::WhiteZone(map.zone("finish").unwrap())
    );
    let lap_time = entered[1] - entered[0];
    let lap = map.line_length();
    let ideal = lap / (f64::from(speed) * 0.29);
    // Turns slow the inner track, so a lap takes a little longer than at full straight speed.
    assert!(
        lap_time > ideal && lap_time < ideal * 1.25,
        "lap in {lap_time:.1} s, {ideal:.1} s at straight speed"
    );
    assert!(
        drive.max_off_line < 0.05,
        "strayed {:.3} m from the line",
        drive.max_off_line
    );
    assert_eq!(drive.count(&EventKind::LineLost), 0, "{:?}", drive.events);
    assert!(!drive.follower.is_stopped());
    println!(
        "lap {lap:.2} m in {lap_time:.2} s (ideal {ideal:.2} s), max {:.1} mm off the line, \
         {:.2} m travelled",
        drive.max_off_line * 1000.0,
        drive.world.distance_travelled()
    );
}

#[test]
fn zone_enter_and_leave_events_fire_once_per_lap() {
    let map = Course::oval();
    let zone = map.zone("finish").unwrap().clone();
    // Clockwise this time (right turns), starting 40 cm before the zone.
    let start = Pose {
        x: 1.6,
        y: 0.2,
        heading: PI,
    };
    let mut drive = Drive::new(start, 0.6);
    // Three passes through the finish zone: just after the start, and after two laps.
    drive.until(150.0, |d| d.count(&EventKind::ZoneLeft) == 3);
    let zone_events: Vec<_> = drive
        .events
        .iter()
        .filter(|(_, e, _)| matches!(e, EventKind::ZoneEntered | EventKind::ZoneLeft))
        .collect();
    assert_eq!(zone_events.len(), 6, "{:?}", drive.events);
    for pass in zone_events.chunks(2) {
        let [(_, entered, inside), (_, left, beyond)] = pass else {
            unreachable!("chunks of two")
        };
        assert_eq!(*entered, EventKind::ZoneEntered);
        assert!(zone.contains(*inside), "entered at {inside:?}");
        assert_eq!(*left, EventKind::ZoneLeft);
        assert!(beyond.x < zone.x, "left at {beyond:?}");
    }
    assert_eq!(drive.count(&EventKind::LineLost), 0);
}

#[test]
fn a_robot_that_starts_askew_finds_the_line_and_follows_it() {
    // On the bottom straight, turned 30 degrees to the right of it.
    let mut drive = Drive::new(
        Pose {
            x: 0.7,
            y: 0.2,
            heading: -FRAC_PI_2 / 3.0,
        },
        0.5,
    );
    drive.until(10.0, |d| d.world.pose().x > 1.0);
    let Pose { y, heading, .. } = drive.world.pose();
    assert!(
        (y - 0.2).abs() < 0.02 && heading.abs() < 0.3,
        "{:?}",
        drive.world.pose()
    );
    assert!(!drive.follower.is_stopped());
}

#[test]
fn a_robot_put_down_away_from_the_line_searches_then_stops() {
    let mut drive = Drive::new(
        Pose {
            x: 1.2,
            y: 0.6,
            heading: 0.0,
        },
        0.5,
    );
    drive.until(5.0, |d| d.follower.is_stopped());
    let stopped_at = drive.world.elapsed();
    assert!(
        (2.0..2.05).contains(&stopped_at),
        "gave up at {stopped_at} s"
    );
    assert_eq!(
        drive.count(&EventKind::LineLost),
        0,
        "it never saw a line to lose"
    );
    drive.until(6.0, |d| d.world.elapsed() > 3.0);
    assert_eq!(drive.world.motors(), MotorOutput::default());
    assert_eq!(drive.world.track_speeds(), (0.0, 0.0));
    let Pose { x, y, .. } = drive.world.pose();
    assert!(
        (x - 1.2).abs() < 1e-9 && (y - 0.6).abs() < 1e-9,
        "searched in place"
    );
}
