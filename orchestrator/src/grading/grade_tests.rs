//! Grading hand-made runs on a small hand-made course: time-weighting, gaps, counting
//! interventions and estops, laps, runs without a pose, records that cannot be read.

use fleet_protocol::{CommandKind, EventKind, Pose};

use super::test_records::{T0, command, event, robot, telemetry};
use super::{Course, Criterion, GapKind, Grade, Rubric, Run, Span, grade};
use crate::domain::{Record, RecordKind};

/// A 2 x 1 m floor with a straight line along y = 0.5 and a finish zone across it.
fn straight() -> Course {
    Course::parse(
        r#"
[floor]
width = 2.0
height = 1.0
[line]
width = 0.02
points = [[0.1, 0.5], [1.9, 0.5]]
[[zone]]
name = "finish"
x = 1.0
y = 0.4
w = 0.1
h = 0.2
[start]
x = 0.2
y = 0.5
heading_deg = 0.0
"#,
        "straight test course",
    )
    .expect("a valid course")
}

/// On the line (and 0 mm from it) except for `off`, where it is 30 mm to the side.
fn pose_at(t_ms: i64, off: bool) -> Pose {
    Pose {
        x: 0.2 + t_ms as f64 / 20_000.0,
        y: if off { 0.53 } else { 0.5 },
        heading: 0.0,
    }
}

/// 10 s, off the line from 4 s to 5 s, sampled at the given offsets (ms from the start).
fn sampled(times: &[i64], with_pose: bool) -> Vec<Record> {
    let id = robot("r1");
    times
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let off = (4_000..5_000).contains(&t);
            let pose = with_pose.then(|| pose_at(t, off));
            telemetry(&id, T0 + t, i as u64 + 1, !off, pose)
        })
        .collect()
}

fn run_of(records: &[Record]) -> Run {
    let span = Span {
        from_ms: T0,
        to_ms: T0 + 10_000,
    };
    Run::from_records(&robot("r1"), span, records, 0)
}

fn graded(records: &[Record]) -> Grade {
    grade(&run_of(records), &straight(), &Rubric::line_follow())
}

fn raw(g: &Grade, c: Criterion) -> Option<f64> {
    g.criteria.iter().find(|x| x.criterion == c)?.raw.value()
}

fn even() -> Vec<i64> {
    (0..100).map(|i| i * 100).collect()
}

/// Sparse (every 250 ms) on the line, dense (every 10 ms) while lost; every change sampled.
fn uneven() -> Vec<i64> {
    let mut t: Vec<i64> = (0..16).map(|i| i * 250).collect();
    t.extend((0..100).map(|i| 4_000 + i * 10));
    t.extend((0..20).map(|i| 5_000 + i * 250));
    t
}

#[test]
fn a_run_sampled_unevenly_grades_the_same_as_one_sampled_evenly() {
    let (even, uneven) = (
        graded(&sampled(&even(), true)),
        graded(&sampled(&uneven(), true)),
    );
    assert_eq!(raw(&even, Criterion::OnLine), Some(0.9));
    assert_eq!(raw(&even, Criterion::LineLosses), Some(1.0));
    let mean = raw(&even, Criterion::LineDistance).unwrap();
    assert!((mean - 3.0).abs() < 1e-9, "{mean} mm");
    // Sample-weighted, the uneven run would be on the line 36 of 136 samples: 26 %.
    assert_eq!(even.criteria, uneven.criteria);
    assert_eq!(even.total, uneven.total);
}

#[test]
fn a_telemetry_gap_is_unknown_time_not_time_off_the_line() {
    // Silent from 6 s to 8 s, while on the line.
    let times: Vec<i64> = even()
        .into_iter()
        .filter(|t| !(6_100..8_000).contains(t))
        .collect();
    let g = graded(&sampled(&times, true));
    // 7 s on the line of 8 s known; counting the gap as off the line would give 7 of 10.
    assert_eq!(raw(&g, Criterion::OnLine), Some(7.0 / 8.0));
    assert_eq!(raw(&g, Criterion::LineLosses), Some(1.0));
    assert!(!g.reliability.reliable);
    let gaps = &g.reliability.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!((gaps[0].from_ms - T0, gaps[0].to_ms - T0), (6_000, 8_000));
    assert_eq!(gaps[0].kind, GapKind::Silence);
    assert_eq!(
        (g.reliability.known_ms, g.reliability.unknown_ms),
        (8_000, 2_000)
    );
}

#[test]
fn a_loss_interrupted_by_a_gap_counts_once_and_only_for_its_known_time() {
    // Samples 42..=46 (4.2-4.6 s, off the line) were numbered but never recorded.
    let mut records = sampled(&even(), true);
    records.retain(|r| !(T0 + 4_200..=T0 + 4_600).contains(&r.at_ms));
    let g = graded(&records);
    assert_eq!(raw(&g, Criterion::LineLosses), Some(1.0));
    let losses = g
        .criteria
        .iter()
        .find(|c| c.criterion == Criterion::LineLosses)
        .unwrap();
    assert!(
        losses.explanation.contains("0.4 s"),
        "{}",
        losses.explanation
    );
    assert_eq!(
        g.reliability
            .gaps
            .iter()
            .map(|g| g.kind)
            .collect::<Vec<_>>(),
        [GapKind::MissedSamples { missing: 5 }]
    );
}

#[test]
fn a_robot_without_a_pose_is_graded_on_what_it_reports_and_can_still_get_full_marks() {
    let id = robot("r1");
    let mut records = vec![command(&id, T0, CommandKind::LineFollow { speed: 0.5 })];
    let zone = |t, seq, kind| event(&id, T0 + t, seq, kind);
    records.push(zone(1_000, 1, EventKind::ZoneEntered));
    records.push(zone(1_500, 2, EventKind::ZoneLeft));
    records.push(zone(9_000, 3, EventKind::ZoneEntered));
    records.extend((0..100).map(|i| telemetry(&id, T0 + i * 100, i as u64 + 1, true, None)));
    let g = graded(&records);
    let distance = g
        .criteria
        .iter()
        .find(|c| c.criterion == Criterion::LineDistance)
        .unwrap();
    assert!(!distance.measured && distance.max_points == 0.0);
    assert!(distance.explanation.starts_with("not measured"));
    assert_eq!(g.total, g.scale, "{:#?}", g.criteria);
    assert!(g.reliability.reliable);
    assert_eq!(raw(&g, Criterion::BestLap), Some(8.0));
    assert_eq!(raw(&g, Criterion::TotalTime), Some(9.0));
}

#[test]
fn laps_are_counted_by_the_lap_judges_rule() {
    let id = robot("r1");
    let e = |t, seq, kind| event(&id, T0 + t, seq, kind);
    let records = [
        // Starts inside the zone: the first lap runs from leaving it.
        e(0, 1, EventKind::LineFollowStarted),
        e(500, 2, EventKind::ZoneLeft),
        e(4_000, 3, EventKind::ZoneEntered),
        // A ragged zone edge: entered again without having left is no lap.
        e(4_100, 4, EventKind::ZoneEntered),
        e(4_300, 5, EventKind::ZoneLeft),
        e(7_300, 6, EventKind::ZoneEntered),
    ];
    let laps = super::criteria::laps(&run_of(&records), &straight(), 2);
    assert_eq!(laps.lap_ms, [3_500, 3_200]);
    assert_eq!(laps.completed_at_ms, Some(T0 + 7_300));
    assert_eq!(laps.total_ms(), Some(7_300));
}

#[test]
fn a_held_drive_key_is_one_intervention_and_an_estop_is_counted_once_per_latch() {
    let id = robot("r1");
    let drive = CommandKind::Drive {
        speed: 0.3,
        turn: 0.0,
    };
    let mut records = vec![command(&id, T0, CommandKind::LineFollow { speed: 0.5 })];
    // Held for a second (repeated every 166 ms), then pressed again 2 s later.
    records.extend((0..6).map(|i| command(&id, T0 + 1_000 + i * 166, drive.clone())));
    records.push(command(&id, T0 + 3_800, drive.clone()));
    // The estop command, the robot's event about it, a second estop while latched, a release,
    // then a fleet-wide estop.
    records.push(command(&id, T0 + 5_000, CommandKind::Estop));
    records.push(event(&id, T0 + 5_010, 1, EventKind::Estopped));
    records.push(command(&id, T0 + 5_500, CommandKind::Estop));
    records.push(command(&id, T0 + 6_000, CommandKind::Release));
    records.push(event(&id, T0 + 6_010, 2, EventKind::Released));
    let mut fleet = command(&id, T0 + 7_000, CommandKind::Estop);
    fleet.robot = None;
    records.push(fleet);
    let run = run_of(&records);
    assert_eq!(super::criteria::interventions(&run), 2);
    assert_eq!(super::criteria::estops(&run), 2);
}

#[test]
fn leaving_the_floor_is_counted_per_exit() {
    let id = robot("r1");
    let records: Vec<Record> = (0..100)
        .map(|i| {
            let t = i * 100;
            let outside = (3_000..4_000).contains(&t) || (6_000..6_500).contains(&t);
            let pose = Pose {
                x: if outside { -0.1 } else { 0.5 },
                y: 0.5,
                heading: 0.0,
            };
            telemetry(&id, T0 + t, i as u64 + 1, !outside, Some(pose))
        })
        .collect();
    let g = graded(&records);
    assert_eq!(raw(&g, Criterion::LeftCourse), Some(2.0));
    let left = g
        .criteria
        .iter()
        .find(|c| c.criterion == Criterion::LeftCourse)
        .unwrap();
    assert_eq!(left.points, 0.0);
    assert!(
        left.explanation.contains("outside for 1.5 s"),
        "{}",
        left.explanation
    );
}

#[test]
fn records_that_cannot_be_read_are_listed_and_mark_the_run_unreliable() {
    let id = robot("r1");
    let mut records = sampled(&even(), true);
    let mut broken = event(&id, T0 + 2_000, 1, EventKind::LineLost);
    broken.payload = b"{\"v\":1,\"seq\":".to_vec();
    records.push(broken);
    let mut future = telemetry(&id, T0 + 2_050, 999, true, None);
    future.payload = String::from_utf8(future.payload)
        .unwrap()
        .replace("\"v\":1", "\"v\":9")
        .into_bytes();
    records.push(future);
    // Events 2 and 3 never arrived.
    records.push(event(&id, T0 + 3_000, 4, EventKind::LineFound));
    records.push(event(&id, T0 + 3_500, 1, EventKind::LineFollowStarted));
    let run = run_of(&records);
    assert_eq!(run.unreadable.len(), 2, "{:?}", run.unreadable);
    assert_eq!(run.unreadable[0].kind, "event");
    let g = grade(&run, &straight(), &Rubric::line_follow());
    assert!(!g.reliability.reliable);
    assert_eq!(g.reliability.unreadable, 2);
    // The readable samples grade as before.
    assert_eq!(raw(&g, Criterion::OnLine), Some(0.9));
}

#[test]
fn records_the_session_dropped_mark_the_run_unreliable_without_changing_its_points() {
    let records = sampled(&even(), true);
    let span = run_of(&records).span;
    let dropped = Run::from_records(&robot("r1"), span, &records, 3);
    let g = grade(&dropped, &straight(), &Rubric::line_follow());
    let clean = graded(&records);
    assert!(clean.reliability.reliable && !g.reliability.reliable);
    assert_eq!(g.reliability.session_dropped, 3);
    assert_eq!(g.criteria, clean.criteria);
}

#[test]
fn other_robots_records_and_records_outside_the_span_are_not_graded() {
    let mut records = sampled(&even(), true);
    let other = robot("r2");
    records.push(command(&other, T0 + 100, CommandKind::Estop));
    records.push(command(&robot("r1"), T0 + 20_000, CommandKind::Estop));
    let run = run_of(&records);
    assert!(run.commands.is_empty());
    assert_eq!(run.samples.len(), 100);
    let _ = RecordKind::Command;
}

#[test]
fn a_robot_wiggling_at_the_finish_zone_edge_gets_no_lap_with_or_without_a_pose() {
    let id = robot("r1");
    let e = |t, seq, kind| event(&id, T0 + t, seq, kind);
    // In and out of the oval's finish zone (x 1.10..1.22 on the bottom straight) every
    // 700 ms for 10 s, never further than 3 cm from it.
    let mut records = vec![e(0, 1, EventKind::LineFollowStarted)];
    for i in 0..14 {
        let t = 100 + i * 700;
        records.push(e(t, 2 + 2 * i as u64, EventKind::ZoneLeft));
        records.push(e(t + 400, 3 + 2 * i as u64, EventKind::ZoneEntered));
    }
    let blind = run_of(&records);
    let oval = Course::oval();
    assert_eq!(
        super::criteria::laps(&blind, &oval, 1).lap_ms,
        [] as [i64; 0]
    );
    records.extend((0..100).map(|i| {
        let pose = Pose {
            x: 1.22 + 0.03 * ((i % 7) as f64 / 7.0),
            y: 0.2,
            heading: 0.0,
        };
        telemetry(&id, T0 + i * 100, i as u64 + 1, true, Some(pose))
    }));
    let seen = run_of(&records);
    assert_eq!(
        super::criteria::laps(&seen, &oval, 1).lap_ms,
        [] as [i64; 0]
    );
    let g = grade(&seen, &oval, &Rubric::line_follow());
    assert_eq!(raw(&g, Criterion::Completed), Some(0.0));
    assert_eq!(raw(&g, Criterion::BestLap), None);
}
