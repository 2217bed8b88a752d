//! Kinematics and sensor tests of the simulated world, stepped directly with a fixed `dt`.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_6, PI};
use std::sync::Arc;

use fleet_protocol::{LineReading, LineSensor, MotorOutput, Pose};

use super::world::{PhysicsParams, World, edges_between};
use fleet_course::Course;

const DT: f64 = 0.01;

fn world_at(x: f64, y: f64, heading: f64) -> World {
    World::new(
        Arc::new(Course::oval()),
        Pose { x, y, heading },
        PhysicsParams::default(),
    )
}

fn run(world: &mut World, seconds: f64) {
    for _ in 0..(seconds / DT).round() as usize {
        world.step(DT);
    }
}

fn reading(left: bool, middle: bool, right: bool) -> LineReading {
    LineReading {
        left,
        middle,
        right,
    }
}

#[test]
fn a_robot_driving_straight_ahead_moves_by_speed_times_time() {
    let mut world = world_at(0.5, 0.5, FRAC_PI_6);
    world.set_motors(MotorOutput {
        left: 0.5,
        right: 0.5,
    });
    let speed = 0.5 * 0.29;
    run(&mut world, 1.0);
    // From rest: the ramp at 1.5 m/s^2 costs v^2 / 2a of distance. The ramp ends inside a
    // step, which the step's mean speed smooths by at most a * dt^2 / 8.
    let ramp_loss = speed * speed / (2.0 * 1.5);
    let error = world.distance_travelled() - (speed * 1.0 - ramp_loss);
    assert!(error.abs() <= 1.5 * DT * DT / 8.0, "off by {error}");
    let before = world.pose();
    run(&mut world, 2.0);
    let after = world.pose();
    let moved = (after.x - before.x).hypot(after.y - before.y);
    assert!((moved - speed * 2.0).abs() < 1e-9, "moved {moved}");
    let direction = (after.y - before.y).atan2(after.x - before.x);
    assert!(
        (direction - FRAC_PI_6).abs() < 1e-9,
        "direction {direction}"
    );
    assert!((after.heading - FRAC_PI_6).abs() < 1e-12);
}

#[test]
fn the_tracks_never_change_speed_faster_than_the_acceleration_limit() {
    let mut world = world_at(1.2, 0.6, 0.0);
    let limit = 1.5 * DT + 1e-12;
    world.set_motors(MotorOutput {
        left: 1.0,
        right: 1.0,
    });
    let mut previous = world.track_speeds();
    for step in 1..=100 {
        world.step(DT);
        let now = world.track_speeds();
        assert!((now.0 - previous.0).abs() <= limit && (now.1 - previous.1).abs() <= limit);
        if step == 10 {
            assert!((now.0 - 0.15).abs() < 1e-9, "0.1 s at 1.5 m/s^2: {now:?}");
        }
        previous = now;
    }
    assert!(
        (previous.0 - 0.29).abs() < 1e-12,
        "full speed reached: {previous:?}"
    );
    // Full reverse: 0.58 m/s of change takes 0.387 s, not one step.
    world.set_motors(MotorOutput {
        left: -1.0,
        right: -1.0,
    });
    let mut steps = 0;
    while world.track_speeds().0 > -0.29 + 1e-12 {
        world.step(DT);
        let now = world.track_speeds();
        assert!((now.0 - previous.0).abs() <= limit);
        previous = now;
        steps += 1;
    }
    assert_eq!(steps, 39);
}

#[test]
fn turning_in_place_spins_about_the_centre_without_moving() {
    let mut world = world_at(1.2, 0.6, 0.0);
    world.set_motors(MotorOutput {
        left: -1.0,
        right: 1.0,
    });
    run(&mut world, 0.5);
    let before = world.pose();
    run(&mut world, 0.5);
    let after = world.pose();
    assert!((after.x - 1.2).abs() < 1e-9 && (after.y - 0.6).abs() < 1e-9);
    assert_eq!(world.distance_travelled(), 0.0);
    // Counter-clockwise (right track forward) at 2 * 0.29 / 0.18 rad/s.
    let turned = (after.heading - before.heading).rem_euclid(2.0 * PI);
    assert!(
        (turned - 0.5 * 2.0 * 0.29 / 0.18).abs() < 1e-9,
        "turned {turned}"
    );
}

#[test]
fn a_robot_with_one_track_faster_drives_a_circle_of_the_expected_radius() {
    let mut world = world_at(1.2, 0.6, 0.0);
    world.set_motors(MotorOutput {
        left: 0.5,
        right: 1.0,
    });
    run(&mut world, 1.0);
    // Radius = half track * (vr + vl) / (vr - vl) = 0.09 * 3; the centre is to the left.
    let radius = 0.27;
    let Pose { x, y, heading } = world.pose();
    let centre = (x - radius * heading.sin(), y + radius * heading.cos());
    for _ in 0..300 {
        world.step(DT);
        let p = world.pose();
        let r = (p.x - centre.0).hypot(p.y - centre.1);
        assert!((r - radius).abs() < 1e-9, "radius {r}");
    }
}

#[test]
fn sensors_read_the_line_under_their_real_positions() {
    // Across the bottom straight (tape centre y = 0.2, 2 cm wide), facing up: the sensor row
    // lies along the tape, 6 cm ahead of the centre.
    let mut world = world_at(1.5, 0.14, FRAC_PI_2);
    let [l, m, r] = world.sensor_points();
    assert!((m.x - 1.5).abs() < 1e-12 && (m.y - 0.2).abs() < 1e-12);
    assert!(l.x < m.x && r.x > m.x, "left is left of the heading");
    assert_eq!(world.line_reading(), reading(true, true, true));
    world.set_pose(Pose {
        x: 1.5,
        y: 0.14 + 0.012,
        heading: FRAC_PI_2,
    });
    assert_eq!(world.line_reading(), reading(false, false, false));

    // Along the straight, heading +x: the left sensor is 1.5 cm toward +y.
    for (y, expected) in [
        (0.2, reading(false, true, false)),
        (0.2075, reading(false, true, true)),
        (0.215, reading(false, false, true)),
        (0.1925, reading(true, true, false)),
        (0.185, reading(true, false, false)),
        (0.23, reading(false, false, false)),
    ] {
        world.set_pose(Pose {
            x: 0.8,
            y,
            heading: 0.0,
        });
        assert_eq!(world.line_reading(), expected, "robot at y = {y}");
    }

    // In the finish zone the tape is painted over: every sensor reads white.
    world.set_pose(Pose {
        x: 1.16 - 0.06,
        y: 0.2,
        heading: 0.0,
    });
    let middle = world.sensor_points()[1];
    assert!(world.map().distance_to_line(middle) < 1e-9);
    assert_eq!(world.line_reading(), reading(false, false, false));
}

#[test]
fn a_step_that_changes_two_sensors_gives_two_edges_in_sensor_order() {
    let edges = edges_between(reading(true, true, false), reading(false, false, false));
    assert_eq!(
        edges,
        vec![
            (LineSensor::Left, false, reading(false, true, false)),
            (LineSensor::Middle, false, reading(false, false, false)),
        ]
    );
    assert!(edges_between(reading(false, true, false), reading(false, true, false)).is_empty());
}

#[test]
fn the_same_outputs_and_steps_give_the_same_poses() {
    let drive = |world: &mut World| {
        for i in 0..500 {
            let t = i as f32 * 0.01;
            world.set_motors(MotorOutput {
                left: (t * 3.0).sin(),
                right: (t * 2.0).cos(),
            });
            world.step(DT);
        }
        world.pose()
    };
    let a = drive(&mut world_at(1.0, 0.5, 0.3));
    let b = drive(&mut world_at(1.0, 0.5, 0.3));
    assert_eq!(a, b);
}
