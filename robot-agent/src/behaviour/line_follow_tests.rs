//! Unit tests of the line follower with synthetic readings and a synthetic clock.

use std::time::{Duration, Instant};

use fleet_protocol::{EventKind, LineReading, MotorOutput};

use super::LineFollower;

const NONE: LineReading = reading(false, false, false);
const MIDDLE: LineReading = reading(false, true, false);
const LEFT_MIDDLE: LineReading = reading(true, true, false);
const LEFT: LineReading = reading(true, false, false);
const RIGHT_MIDDLE: LineReading = reading(false, true, true);
const RIGHT: LineReading = reading(false, false, true);

const fn reading(left: bool, middle: bool, right: bool) -> LineReading {
    LineReading {
        left,
        middle,
        right,
    }
}

/// A follower at speed 0.5 and a clock that starts at `t0`.
struct Run {
    follower: LineFollower,
    t0: Instant,
}

impl Run {
    fn new() -> Self {
        let mut run = Self {
            follower: LineFollower::new(0.5),
            t0: Instant::now(),
        };
        let first = run.at(0, MIDDLE);
        assert_eq!(first.1, vec![EventKind::LineFollowStarted]);
        run
    }

    /// Feeds `reading` at `ms` milliseconds after the start.
    fn at(&mut self, ms: u64, reading: LineReading) -> (MotorOutput, Vec<EventKind>) {
        let step = self
            .follower
            .update(reading, self.t0 + Duration::from_millis(ms));
        (step.motors, step.events)
    }

    /// Feeds `reading` every 20 ms from `from` to `to` (inclusive) and collects the events.
    fn hold(&mut self, from: u64, to: u64, reading: LineReading) -> (MotorOutput, Vec<EventKind>) {
        let mut events = Vec::new();
        let mut motors = MotorOutput::default();
        for ms in (from..=to).step_by(20) {
            let (m, mut e) = self.at(ms, reading);
            motors = m;
            events.append(&mut e);
        }
        (motors, events)
    }
}

fn out(left: f32, right: f32) -> MotorOutput {
    MotorOutput { left, right }
}

#[test]
fn the_follower_steers_toward_the_sensor_that_sees_the_line() {
    let mut run = Run::new();
    assert_eq!(run.at(10, MIDDLE).0, out(0.5, 0.5));
    assert_eq!(
        run.at(20, LEFT_MIDDLE).0,
        out(0.3, 0.5),
        "inner track at 0.6x"
    );
    assert_eq!(
        run.at(30, LEFT).0,
        out(0.0, 0.5),
        "pivot on the inner track"
    );
    assert_eq!(run.at(40, RIGHT_MIDDLE).0, out(0.5, 0.3));
    assert_eq!(run.at(50, RIGHT).0, out(0.5, 0.0));
    assert!(run.at(60, MIDDLE).1.is_empty(), "started is reported once");
}

#[test]
fn a_white_zone_after_a_centred_line_is_crossed_straight_and_reported_once() {
    let mut run = Run::new();
    run.at(100, LEFT_MIDDLE);
    run.at(120, MIDDLE);
    // White: straight ahead, and not a zone before 50 ms of it.
    assert_eq!(run.at(140, NONE), (out(0.5, 0.5), vec![]));
    assert_eq!(run.at(180, NONE), (out(0.5, 0.5), vec![]));
    assert_eq!(
        run.at(190, NONE),
        (out(0.5, 0.5), vec![EventKind::ZoneEntered])
    );
    assert!(run.follower.in_zone());
    let (motors, events) = run.hold(200, 900, NONE);
    assert_eq!((motors, events), (out(0.5, 0.5), vec![]));
    assert_eq!(
        run.at(920, RIGHT_MIDDLE),
        (out(0.5, 0.3), vec![EventKind::ZoneLeft])
    );
    assert!(!run.follower.in_zone());
    // A ragged zone edge right behind the robot is not a second zone.
    run.at(940, MIDDLE);
    let (_, events) = run.hold(960, 1100, NONE);
    assert!(!events.contains(&EventKind::ZoneEntered), "{events:?}");
    run.at(1120, MIDDLE);
    // After the re-arm time, the next zone counts.
    run.hold(1140, 1800, MIDDLE);
    let (_, events) = run.hold(1820, 1900, NONE);
    assert_eq!(events, vec![EventKind::ZoneEntered]);
}

#[test]
fn a_gap_in_the_tape_shorter_than_the_confirm_time_reports_nothing() {
    let mut run = Run::new();
    assert_eq!(run.at(100, NONE), (out(0.5, 0.5), vec![]));
    assert_eq!(run.at(130, MIDDLE), (out(0.5, 0.5), vec![]));
}

#[test]
fn a_line_that_drifts_off_to_one_side_is_searched_on_that_side() {
    let mut run = Run::new();
    run.at(100, LEFT_MIDDLE);
    run.at(120, LEFT);
    // Lost to the left: spin left at once, report after 100 ms.
    assert_eq!(run.at(140, NONE), (out(-0.5, 0.5), vec![]));
    assert_eq!(run.at(220, NONE).1, vec![]);
    assert_eq!(
        run.at(240, NONE),
        (out(-0.5, 0.5), vec![EventKind::LineLost])
    );
    assert_eq!(run.hold(260, 600, NONE).1, vec![]);
    assert_eq!(
        run.at(620, LEFT),
        (out(0.0, 0.5), vec![EventKind::LineFound])
    );

    run.at(700, RIGHT);
    assert_eq!(run.at(720, NONE).0, out(0.5, -0.5), "lost to the right");
    // Found again before the confirm time: nothing to report.
    assert_eq!(run.at(760, RIGHT).1, vec![]);
}

#[test]
fn a_follower_that_cannot_find_the_line_gives_up_and_stays_stopped() {
    let mut run = Run::new();
    run.at(100, RIGHT);
    let (motors, events) = run.hold(120, 2100, NONE);
    assert_eq!(motors, out(0.5, -0.5), "still searching just before 2 s");
    assert_eq!(events, vec![EventKind::LineLost]);
    let (motors, events) = run.at(2120, NONE);
    assert_eq!(motors, MotorOutput::default());
    assert_eq!(
        events,
        vec![EventKind::LineFollowStopped {
            reason: "line lost for 2.0 s".into()
        }]
    );
    assert_eq!(run.follower.stop_reason(), Some("line lost for 2.0 s"));
    assert_eq!(run.at(2200, MIDDLE), (MotorOutput::default(), vec![]));
}

#[test]
fn a_white_stretch_longer_than_any_zone_becomes_a_lost_line() {
    let mut run = Run::new();
    // 0.3 m at 0.5 * 0.29 m/s is 2.07 s of crossing.
    let (motors, events) = run.hold(20, 2080, NONE);
    assert_eq!(motors, out(0.5, 0.5));
    assert_eq!(events, vec![EventKind::ZoneEntered]);
    let (motors, events) = run.at(2100, NONE);
    assert_eq!(events, vec![EventKind::LineLost]);
    assert_ne!(motors, out(0.5, 0.5), "searching, not crossing");
    assert!(!run.follower.in_zone());
}

#[test]
fn a_follower_started_off_the_line_searches_without_reporting_a_loss() {
    let mut follower = LineFollower::new(0.4);
    let t0 = Instant::now();
    let step = follower.update(NONE, t0);
    assert_eq!(step.events, vec![EventKind::LineFollowStarted]);
    let step = follower.update(NONE, t0 + Duration::from_millis(500));
    assert!(step.events.is_empty(), "{:?}", step.events);
    assert_ne!(step.motors, MotorOutput::default(), "searching");
    let step = follower.update(NONE, t0 + Duration::from_secs(2));
    assert!(follower.is_stopped());
    assert!(matches!(
        step.events[..],
        [EventKind::LineFollowStopped { .. }]
    ));
}
