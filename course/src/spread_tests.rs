//! Start poses for several robots: on the line, facing along it, clear of the zones, evenly
//! spread, whatever their number.

use crate::{Course, Point, START_CLEARANCE_M, START_LOOK_AHEAD_M};

fn point(pose: crate::Pose) -> Point {
    Point::new(pose.x, pose.y)
}

/// Distance between two positions along a line of `length`, the short way round if closed.
fn gap(a: f64, b: f64, length: f64, closed: bool) -> f64 {
    let d = (a - b).abs();
    if closed { d.min(length - d) } else { d }
}

#[test]
fn every_start_pose_is_on_the_line_facing_along_it_and_clear_of_every_zone() {
    for (name, course) in [("oval", Course::oval()), ("arena", Course::arena())] {
        for n in 1..=24 {
            let poses = course.start_poses(n);
            assert_eq!(poses.len(), n);
            for (i, pose) in poses.iter().enumerate() {
                let on = course.progress(point(*pose)).unwrap();
                assert!(on.offset < 1e-9, "{name} {i}/{n} is off the line: {pose:?}");
                let along = course.pose_along(on.along);
                let turn = (along.heading - pose.heading).sin().abs();
                assert!(turn < 0.2, "{name} {i}/{n} does not face along: {pose:?}");
                // What a sensor row a look-ahead in front of the robot sees is the line.
                let (sin, cos) = pose.heading.sin_cos();
                let sensor = Point::new(
                    pose.x + START_LOOK_AHEAD_M * cos,
                    pose.y + START_LOOK_AHEAD_M * sin,
                );
                let sensor_off = course.distance_to_line(sensor);
                assert!(
                    sensor_off < 0.002,
                    "{name} {i}/{n}: sensors {sensor_off} m off"
                );
                for zone in course.zones() {
                    let (sin, cos) = pose.heading.sin_cos();
                    for ahead in [-START_CLEARANCE_M, 0.0, START_CLEARANCE_M * 0.99] {
                        let p = Point::new(pose.x + ahead * cos, pose.y + ahead * sin);
                        assert!(!zone.contains(p), "{name} {i}/{n} too near {}", zone.name);
                    }
                }
            }
        }
    }
}

#[test]
fn robots_are_spread_evenly_and_the_first_stands_at_the_start_of_a_closed_course() {
    let oval = Course::oval();
    let start = oval.start();
    let first = oval.start_poses(10)[0];
    assert!(point(first).distance_to(point(start)) < 1e-9, "{first:?}");
    for (name, course) in [("oval", oval), ("arena", Course::arena())] {
        let closed = course.line_is_closed();
        let length = course.line_length();
        for n in [2, 5, 10, 17] {
            let along: Vec<f64> = course
                .start_poses(n)
                .iter()
                .map(|p| course.progress(point(*p)).unwrap().along)
                .collect();
            let nearest = |i: usize| {
                along
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, b)| gap(along[i], *b, length, closed))
                    .fold(f64::INFINITY, f64::min)
            };
            // Even spread over the free line: nobody much nearer a neighbour than the free
            // length shared out (zones take out at most ~0.4 m each with their clearance).
            let blocked: f64 = course
                .zones()
                .iter()
                .map(|z| z.w + 2.0 * START_CLEARANCE_M)
                .sum();
            let ends = if closed {
                0.0
            } else {
                2.0 * START_CLEARANCE_M + 0.4
            };
            let fair = (length - blocked - ends) / n as f64;
            for i in 0..n {
                assert!(nearest(i) > fair * 0.45, "{name} n={n}: {along:?}");
            }
        }
    }
}

#[test]
fn a_course_without_a_line_puts_robots_in_a_row_behind_its_start() {
    let text = "[floor]\nwidth = 2.0\nheight = 1.0\n[start]\nx = 1.5\ny = 0.5\nheading_deg = 0\n";
    let course = Course::parse(text, "bare").unwrap();
    let xs: Vec<f64> = course.start_poses(3).iter().map(|p| p.x).collect();
    assert_eq!(xs, [1.5, 1.25, 1.0]);
    assert!(course.start_poses(0).is_empty());
}
