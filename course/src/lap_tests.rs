//! The lap rule on the shipped oval: checkpoints with positions, time out of the zone without,
//! and the runs that must not count (straight back in, wiggling at the edge, backwards).

use crate::{Course, LapCounter, Point};

/// Metres along the oval's line where it leaves the finish zone (x = 1.22 on the bottom).
const ZONE_EXIT: f64 = 0.62;

fn at(course: &Course, along: f64) -> Point {
    let pose = course.pose_along(along);
    Point {
        x: pose.x,
        y: pose.y,
    }
}

/// Feeds the positions of a drive from `from` to `to` metres along the line (backwards when
/// `to < from`), every 2 cm, to `counter`.
fn drive(course: &Course, counter: &mut LapCounter, from: f64, to: f64) {
    let steps = ((to - from).abs() / 0.02).ceil() as usize;
    for i in 0..=steps {
        let along = from + (to - from) * i as f64 / steps as f64;
        if let Some(f) = course.lap_fraction(at(course, along)) {
            counter.position(f);
        }
    }
}

#[test]
fn the_lap_fraction_starts_where_the_line_leaves_the_finish_zone() {
    let oval = Course::oval();
    let length = oval.line_length();
    let f = |along: f64| oval.lap_fraction(at(&oval, along)).unwrap();
    assert!(f(ZONE_EXIT + 0.01) < 0.01, "{}", f(ZONE_EXIT + 0.01));
    assert!((f(ZONE_EXIT + length / 2.0) - 0.5).abs() < 0.01);
    assert!(f(ZONE_EXIT - 0.01) > 0.99);
    // An open line (the arena) has no laps to go round.
    let arena = Course::arena();
    assert_eq!(arena.lap_fraction(at(&arena, 0.5)), None);
}

#[test]
fn a_lap_round_the_oval_passes_both_checkpoints_and_counts() {
    let oval = Course::oval();
    let mut laps = LapCounter::new(&oval);
    assert_eq!(
        laps.entered(1_000),
        None,
        "the first entry starts the clock"
    );
    laps.left(1_500);
    drive(
        &oval,
        &mut laps,
        ZONE_EXIT,
        ZONE_EXIT + oval.line_length() - 0.13,
    );
    assert_eq!(laps.entered(36_000), Some(35_000));
    assert_eq!(laps.done(), 1);
}

#[test]
fn a_robot_leaving_the_zone_and_coming_straight_back_has_no_lap() {
    let oval = Course::oval();
    // With positions: a few centimetres out and back in, however long it dawdles.
    let mut laps = LapCounter::new(&oval);
    laps.entered(0);
    laps.left(500);
    drive(&oval, &mut laps, ZONE_EXIT, ZONE_EXIT + 0.05);
    assert_eq!(laps.entered(60_000), None);
    // Without positions: back in well before a third of the line could be driven.
    let mut blind = LapCounter::new(&oval);
    blind.left(300);
    assert_eq!(blind.entered(1_900), None);
    assert_eq!(blind.done(), 0);
}

#[test]
fn a_robot_wiggling_at_the_zone_edge_gets_no_lap_until_it_goes_round() {
    let oval = Course::oval();
    let mut laps = LapCounter::new(&oval);
    laps.entered(0);
    for i in 1..=10 {
        laps.left(i * 1_000);
        drive(&oval, &mut laps, ZONE_EXIT, ZONE_EXIT + 0.03);
        assert_eq!(laps.entered(i * 1_000 + 600), None, "wiggle {i}");
    }
    laps.left(11_000);
    drive(
        &oval,
        &mut laps,
        ZONE_EXIT,
        ZONE_EXIT + oval.line_length() - 0.13,
    );
    assert_eq!(laps.entered(46_000), Some(46_000 - 10_600));
    assert_eq!(laps.done(), 1);
}

#[test]
fn driving_round_the_oval_backwards_is_no_lap() {
    let oval = Course::oval();
    let mut laps = LapCounter::new(&oval);
    laps.entered(0);
    // Leaves by the zone's near edge (x = 1.10) and goes round the wrong way.
    laps.left(500);
    let near_edge = ZONE_EXIT - 0.12;
    drive(
        &oval,
        &mut laps,
        near_edge,
        near_edge - oval.line_length() + 0.13,
    );
    assert_eq!(laps.entered(40_000), None);
}

#[test]
fn without_positions_a_lap_needs_the_robot_out_of_the_zone_long_enough() {
    let oval = Course::oval();
    let mut laps = LapCounter::new(&oval);
    // A third of 4.91 m at 0.29 m/s.
    assert_eq!(laps.min_out_ms(), 5_644);
    laps.entered(0);
    laps.left(500);
    assert_eq!(laps.entered(500 + 5_643), None);
    laps.left(6_500);
    assert_eq!(laps.entered(6_500 + 5_644), Some(6_500 + 5_644 - 6_143));
}
