//! Runs of different quality driven by the agent's real simulator and line follower round the
//! shipped oval, graded with the shipped rubric: the grades come out in the expected order,
//! the same every time, and a telemetry gap marks a run unreliable without lowering it.

use fleet_protocol::{CommandKind, MotorOutput};

use super::test_records::SimRobot;
use super::{Course, Criterion, GapKind, Grade, Rubric, Run, Span, grade};

const SPEED: f32 = 0.5;
/// Generous: a lap of the oval takes about 35-40 s at speed 0.5.
const LAP_LIMIT_MS: i64 = 90_000;

fn start(name: &str) -> (SimRobot, i64) {
    let course = Course::oval();
    let mut robot = SimRobot::new(name, &course, course.start());
    let from = robot.now_ms();
    robot.command(CommandKind::LineFollow { speed: SPEED });
    (robot, from)
}

fn finish_lap(robot: &mut SimRobot) {
    // Into the finish zone just after the start, and round to it again.
    robot.run_until_zone_entries(2, LAP_LIMIT_MS);
    robot.run_for(300);
}

fn graded(robot: &SimRobot, from_ms: i64) -> (Run, Grade) {
    let span = Span {
        from_ms,
        to_ms: robot.now_ms(),
    };
    let run = Run::from_records(&robot.id, span, &robot.records, 0);
    let g = grade(&run, &Course::oval(), &Rubric::line_follow());
    (run, g)
}

fn clean() -> (Run, Grade) {
    let (mut robot, from) = start("clean");
    finish_lap(&mut robot);
    graded(&robot, from)
}

fn with_line_losses() -> (Run, Grade) {
    let (mut robot, from) = start("wobbly");
    // Two pushes to the right, on the top and the bottom straight.
    for at in [8_000, 26_000] {
        let until = at - (robot.now_ms() - super::test_records::T0);
        robot.run_for(until);
        robot.shove(
            MotorOutput {
                left: 0.6,
                right: -0.2,
            },
            450,
        );
    }
    finish_lap(&mut robot);
    graded(&robot, from)
}

fn stopped_by_an_estop() -> (Run, Grade) {
    let (mut robot, from) = start("stopped");
    robot.run_for(15_000);
    robot.command(CommandKind::Estop);
    robot.run_for(2_000);
    graded(&robot, from)
}

fn with_a_telemetry_gap() -> (Run, Grade) {
    let (mut robot, from) = start("gappy");
    robot.run_for(10_000);
    robot.link_down = true;
    robot.run_for(3_000);
    robot.link_down = false;
    robot.run_for(5_000);
    robot.losing_samples = true;
    robot.run_for(200);
    robot.losing_samples = false;
    finish_lap(&mut robot);
    graded(&robot, from)
}

fn criterion(g: &Grade, c: Criterion) -> &super::CriterionGrade {
    g.criteria
        .iter()
        .find(|x| x.criterion == c)
        .expect("the shipped rubric grades every criterion")
}

fn show(g: &Grade) -> String {
    let mut out = format!(
        "{} {:.2}/{} passed={} reliable={}\n",
        g.robot, g.total, g.scale, g.passed, g.reliability.reliable
    );
    for c in &g.criteria {
        out += &format!(
            "  {:<14} {:>5.2}/{:<5.2} {}\n",
            c.criterion.name(),
            c.points,
            c.max_points,
            c.explanation
        );
    }
    out
}

#[test]
fn simulated_runs_grade_in_the_order_of_their_quality() {
    let (_, clean) = clean();
    let (_, losses) = with_line_losses();
    let (_, estop) = stopped_by_an_estop();
    let (_, gap) = with_a_telemetry_gap();
    let report = [&clean, &losses, &estop, &gap].map(show).concat();
    println!("{report}");

    assert_eq!(clean.total, clean.scale, "{report}");
    assert!(clean.passed && clean.reliability.reliable, "{report}");
    assert_eq!(
        criterion(&clean, Criterion::Completed).raw.value(),
        Some(1.0)
    );

    let lost = criterion(&losses, Criterion::LineLosses);
    assert_eq!(lost.raw.value(), Some(2.0), "{report}");
    assert!(
        criterion(&losses, Criterion::Completed).points > 0.0,
        "{report}"
    );
    assert!(
        losses.total < clean.total && losses.total > estop.total,
        "{report}"
    );

    assert_eq!(
        criterion(&estop, Criterion::Estops).raw.value(),
        Some(1.0),
        "{report}"
    );
    assert_eq!(
        criterion(&estop, Criterion::Completed).raw.value(),
        Some(0.0)
    );
    assert!(!estop.passed, "{report}");

    // The gap is not the student's fault: listed, flagged, and not a point lower.
    assert_eq!(gap.total, clean.total, "{report}");
    assert!(!gap.reliability.reliable);
    let kinds: Vec<GapKind> = gap.reliability.gaps.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [GapKind::Silence, GapKind::MissedSamples { missing: 4 }],
        "{:?}",
        gap.reliability
    );
    assert!(gap.reliability.unknown_ms >= 3_000, "{:?}", gap.reliability);
}

#[test]
fn grading_a_run_again_gives_the_same_grade_byte_for_byte() {
    let (run, first) = with_line_losses();
    let again = grade(&run, &Course::oval(), &Rubric::line_follow());
    assert_eq!(first, again);
    let json = |g: &Grade| serde_json::to_string(g).expect("a grade serializes");
    assert_eq!(json(&first), json(&again));
    // A second simulation of the same scenario gives the same records, hence the same grade.
    let (_, replayed) = with_line_losses();
    assert_eq!(json(&first), json(&replayed));
}

#[test]
fn a_run_cut_short_cannot_pass_however_cleanly_it_drove() {
    let rubric = Rubric::line_follow();
    let c = &rubric.criteria;
    let weight = |w: Option<f64>| w.unwrap_or(0.0);
    let finishing = weight(c.completed.map(|r| r.weight))
        + weight(c.total_time.map(|r| r.weight))
        + weight(c.best_lap.map(|r| r.weight));
    let pose_based =
        weight(c.line_distance.map(|r| r.weight)) + weight(c.left_course.map(|r| r.weight));
    // The best an unfinished run can do: every other criterion at full marks, in the
    // simulator and on a real robot (no pose: those criteria's weight is shared out).
    let all = rubric.total_weight();
    let in_sim = rubric.scale * (all - finishing) / all;
    let on_robot = rubric.scale * (all - finishing - pose_based) / (all - pose_based);
    assert!(in_sim <= rubric.pass / 2.0, "{in_sim} of {}", rubric.scale);
    assert!(
        on_robot <= rubric.pass / 2.0,
        "{on_robot} of {}",
        rubric.scale
    );
    // Finishing alone is worth the pass mark.
    let finished = rubric.scale * weight(c.completed.map(|r| r.weight)) / all;
    assert!(finished >= rubric.pass, "{finished}");

    // A run aborted 3 s into its lap, driving cleanly until then, fails on the lap alone.
    let (mut robot, from) = start("short");
    robot.run_for(3_000);
    let (_, g) = graded(&robot, from);
    let report = show(&g);
    assert!(!g.passed && g.total <= in_sim, "{report}");
    assert_eq!(criterion(&g, Criterion::Completed).raw.value(), Some(0.0));
    for c in g.criteria.iter().filter(|c| {
        !matches!(
            c.criterion,
            Criterion::Completed | Criterion::TotalTime | Criterion::BestLap
        )
    }) {
        assert_eq!(c.points, c.max_points, "{:?}: {report}", c.criterion);
    }
}

/// A marked run begun while a line-following robot stands in the finish zone, about 2.6 s long:
/// the robot leaves the zone, then is lifted off the line (a hand taking it away), which its
/// follower takes for a white zone at first. The old rule counted that as a lap of 1.6 s.
fn marked_in_the_finish_zone() -> (SimRobot, i64) {
    let (mut robot, _) = start("marked");
    robot.run_until_zone_entries(1, LAP_LIMIT_MS);
    let from = robot.now_ms();
    while robot.count(&fleet_protocol::EventKind::ZoneLeft) == 0 {
        robot.step();
    }
    // Past the follower's re-arm (500 ms), so the lift reads as a new zone.
    robot.run_for(1_550);
    let centre = {
        let (w, h) = Course::oval().size();
        fleet_protocol::Pose {
            x: w / 2.0,
            y: h / 2.0,
            heading: 0.0,
        }
    };
    robot.lift_to(centre);
    robot.run_for(300);
    (robot, from)
}

#[test]
fn a_short_run_started_in_the_finish_zone_gets_no_lap() {
    let (robot, from) = marked_in_the_finish_zone();
    let (run, g) = graded(&robot, from);
    let report = show(&g);
    let events: Vec<_> = run
        .events
        .iter()
        .map(|e| (e.at_ms - from, &e.kind))
        .collect();
    // What fooled the old rule: out of the zone, then "into" one again 1.6 s later.
    let kinds: Vec<_> = run.events.iter().map(|e| &e.kind).collect();
    let left = kinds
        .iter()
        .position(|k| **k == fleet_protocol::EventKind::ZoneLeft);
    let entered = kinds
        .iter()
        .rposition(|k| **k == fleet_protocol::EventKind::ZoneEntered);
    assert!(left < entered && left.is_some(), "{events:?}");

    let laps = super::criteria::laps(&run, &Course::oval(), 1);
    assert_eq!(laps.lap_ms, [] as [i64; 0], "{events:?}");
    assert_eq!(
        criterion(&g, Criterion::Completed).raw.value(),
        Some(0.0),
        "{report}"
    );
    assert_eq!(
        criterion(&g, Criterion::BestLap).raw.value(),
        None,
        "{report}"
    );
    // Without the pose (a real robot), the time out of the zone says the same.
    let mut blind = run.clone();
    for sample in &mut blind.samples {
        sample.pose = None;
    }
    assert_eq!(
        super::criteria::laps(&blind, &Course::oval(), 1).lap_ms,
        [] as [i64; 0]
    );
}

#[test]
fn a_run_begun_in_the_finish_zone_gets_its_lap_once_the_robot_has_gone_round() {
    let (mut robot, _) = start("zone-lap");
    robot.run_until_zone_entries(1, LAP_LIMIT_MS);
    let from = robot.now_ms();
    robot.run_until_zone_entries(2, LAP_LIMIT_MS);
    robot.run_for(300);
    let (run, g) = graded(&robot, from);
    let laps = super::criteria::laps(&run, &Course::oval(), 1);
    assert_eq!(laps.lap_ms.len(), 1, "{:?}", robot.events);
    let lap_s = laps.lap_ms[0] as f64 / 1000.0;
    assert!((25.0..60.0).contains(&lap_s), "a lap of {lap_s} s");
    assert_eq!(
        criterion(&g, Criterion::Completed).raw.value(),
        Some(1.0),
        "{}",
        show(&g)
    );
}
