//! Course tests: parsing, the shipped oval and arena, surface and geometry queries, error
//! messages.

use crate::{Course, MapError, Point, Surface, ZoneRole};

const TINY: &str = r#"
    [floor]
    width = 1.0
    height = 1.0
    [line]
    width = 0.02
    points = [[0.1, 0.5], [0.9, 0.5]]
    [[zone]]
    name = "gap"
    x = 0.4
    y = 0.4
    w = 0.1
    h = 0.2
    [start]
    x = 0.1
    y = 0.5
    heading_deg = 90
"#;

fn p(x: f64, y: f64) -> Point {
    Point { x, y }
}

fn problem_in(text: &str) -> String {
    Course::parse(text, "test.toml").unwrap_err().to_string()
}

#[test]
fn the_surface_is_line_on_the_tape_floor_beside_it_and_white_in_a_zone() {
    let map = Course::parse(TINY, "tiny").unwrap();
    assert_eq!(map.surface_at(p(0.2, 0.5)), Surface::Line);
    assert_eq!(map.surface_at(p(0.2, 0.509)), Surface::Line);
    assert_eq!(map.surface_at(p(0.2, 0.512)), Surface::Floor);
    assert_eq!(
        map.surface_at(p(0.45, 0.5)),
        Surface::WhiteZone(map.zone("gap").unwrap())
    );
    assert_eq!(map.surface_at(p(0.95, 0.5)), Surface::Floor);
    assert_eq!(map.surface_at(p(5.0, 5.0)), Surface::Floor);
    assert!((map.start().heading - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    assert!((map.line_length() - 0.8).abs() < 1e-12);
}

#[test]
fn the_shipped_oval_is_a_closed_lap_with_a_finish_zone_across_the_line() {
    let map = Course::oval();
    let expected = 2.0 * 1.2 + 2.0 * std::f64::consts::PI * 0.4;
    assert!(
        (map.line_length() - expected).abs() < 0.01,
        "{}",
        map.line_length()
    );
    let start = map.start();
    assert_eq!(map.surface_at(p(start.x, start.y)), Surface::Line);
    let finish = map.zone("finish").expect("a finish zone");
    let middle = p(finish.x + finish.w / 2.0, finish.y + finish.h / 2.0);
    assert!(
        map.distance_to_line(middle) < 0.01,
        "the zone covers the line"
    );
    assert_eq!(map.surface_at(middle), Surface::WhiteZone(finish));
    // Closing segment: the left semicircle joins back to the bottom straight.
    assert_eq!(map.surface_at(p(0.55, 0.203)), Surface::Line);
}

#[test]
fn a_missing_file_is_reported_with_its_path() {
    let err = Course::load("/nonexistent/course.toml").unwrap_err();
    assert!(matches!(err, MapError::Read { .. }));
    assert!(
        err.to_string().contains("/nonexistent/course.toml"),
        "{err}"
    );
}

#[test]
fn a_file_on_disk_loads_like_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.toml");
    std::fs::write(&path, TINY).unwrap();
    assert_eq!(
        Course::load(&path).unwrap(),
        Course::parse(TINY, "x").unwrap()
    );
    std::fs::write(&path, "[floor]\nwidth = 'wide'\n").unwrap();
    let err = Course::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("tiny.toml") && err.contains("not valid TOML"),
        "{err}"
    );
    assert!(err.contains("(line 2)"), "{err}");
}

#[test]
fn map_errors_name_the_problem() {
    assert!(problem_in("[floor]\nwidth = 1.0\n").contains("missing field"));
    assert!(problem_in(&TINY.replace("heading_deg", "heading")).contains("unknown field"));
    assert!(
        problem_in(&TINY.replace("width = 1.0", "width = -1.0"))
            .contains("floor size -1 x 1 m must be positive")
    );
    assert!(problem_in(&TINY.replace("width = 0.02", "width = 0")).contains("line width 0"));
    assert!(
        problem_in(&TINY.replace("[[0.1, 0.5], [0.9, 0.5]]", "[[0.1, 0.5]]"))
            .contains("at least 2 points, found 1")
    );
    assert!(
        problem_in(&TINY.replace("[0.9, 0.5]", "[1.9, 0.5]"))
            .contains("line point 1 (1.9, 0.5) is outside the 1 x 1 m floor")
    );
    assert!(problem_in(&TINY.replace("w = 0.1", "w = 0.0")).contains("zone \"gap\""));
    let twice = format!("{TINY}\n[[zone]]\nname = \"gap\"\nx = 0\ny = 0\nw = 0.1\nh = 0.1\n");
    assert!(problem_in(&twice).contains("zone name \"gap\" is used twice"));
    assert!(problem_in(&TINY.replace("x = 0.1\n", "x = 3.0\n")).contains("start pose (3, 0.5"));
}

#[test]
fn the_oval_finish_zone_has_the_finish_role_and_unmarked_zones_are_white() {
    let oval = Course::oval();
    let finish = oval.zone("finish").unwrap();
    assert_eq!(finish.role, ZoneRole::Finish);
    assert_eq!(oval.zones_with_role(ZoneRole::Finish).count(), 1);
    let tiny = Course::parse(TINY, "tiny").unwrap();
    assert_eq!(tiny.zone("gap").unwrap().role, ZoneRole::White);
    assert!(!tiny.line_is_closed() && oval.line_is_closed());
}

#[test]
fn the_shipped_arena_has_a_capture_zone_in_the_middle_and_a_base_per_team_on_the_line() {
    let arena = Course::arena();
    let (width, height) = arena.size();
    let captures: Vec<_> = arena.zones_with_role(ZoneRole::Capture).collect();
    assert_eq!(captures.len(), 1);
    let middle = captures[0].centre();
    assert!(
        (middle.x - width / 2.0).abs() < 1e-9 && (middle.y - height / 2.0).abs() < 1e-9,
        "{middle:?}"
    );
    let bases: Vec<_> = arena.zones_with_role(ZoneRole::Base).collect();
    let teams: Vec<_> = bases.iter().map(|b| b.team.as_deref().unwrap()).collect();
    assert_eq!(teams, ["red", "blue"]);
    let codes: Vec<_> = bases.iter().map(|b| b.qr_code.clone().unwrap()).collect();
    assert_ne!(codes[0], codes[1], "each team scans its own code");
    // Every zone interrupts the line, so line sensors can tell a robot entered it.
    for zone in arena.zones() {
        assert!(
            arena.distance_to_line(zone.centre()) < 1e-9,
            "{}",
            zone.name
        );
        assert_eq!(arena.surface_at(zone.centre()), Surface::WhiteZone(zone));
        assert_eq!(arena.zone_at(zone.centre()), Some(zone));
    }
    let start = arena.start();
    assert_eq!(arena.surface_at(p(start.x, start.y)), Surface::Line);
}

#[test]
fn the_zone_at_a_point_is_the_one_containing_it_edges_included() {
    let map = Course::parse(TINY, "tiny").unwrap();
    let gap = map.zone("gap").unwrap();
    assert_eq!(map.zone_at(p(0.4, 0.4)), Some(gap));
    assert_eq!(map.zone_at(p(0.5, 0.6)), Some(gap));
    assert_eq!(map.zone_at(p(0.39, 0.5)), None);
    assert_eq!(gap.centre(), p(0.45, 0.5));
}

#[test]
fn progress_is_metres_along_the_line_from_its_first_point_and_the_offset_from_it() {
    let oval = Course::oval();
    // (along, offset) for points of the bottom straight, which starts the line at (0.6, 0.2).
    let cases = [
        (p(0.6, 0.2), 0.0, 0.0),
        (p(0.8, 0.25), 0.2, 0.05),
        (p(1.7, 0.1), 1.1, 0.1),
        // The top straight, driven right to left after the right semicircle.
        (p(1.8, 1.05), 1.2 + std::f64::consts::PI * 0.4, 0.05),
    ];
    for (point, along, offset) in cases {
        let got = oval.progress(point).unwrap();
        assert!(
            (got.along - along).abs() < 0.005 && (got.offset - offset).abs() < 0.005,
            "{point:?}: {got:?}"
        );
    }
    let last_point = p(0.5305, 0.2061);
    let near_end = oval.progress(last_point).unwrap();
    assert!(oval.line_length() - near_end.along < 0.08, "{near_end:?}");
}

#[test]
fn a_pose_along_the_line_lies_on_it_facing_along_it_and_wraps_round_a_closed_line() {
    let oval = Course::oval();
    let length = oval.line_length();
    let at = oval.pose_along(0.2);
    assert!((at.x - 0.8).abs() < 1e-9 && (at.y - 0.2).abs() < 1e-9 && at.heading.abs() < 1e-9);
    let wrapped = oval.pose_along(0.2 + 2.0 * length);
    assert!((wrapped.x - at.x).abs() < 1e-9 && (wrapped.y - at.y).abs() < 1e-9);
    let back = oval.pose_along(-0.1);
    assert!(
        back.y < 0.22 && back.x < 0.6 && back.heading.cos() > 0.9,
        "{back:?}"
    );
    // The top straight runs right to left.
    let top = oval.pose_along(1.2 + std::f64::consts::PI * 0.4 + 0.5);
    assert!((top.y - 1.0).abs() < 1e-9 && (top.heading.abs() - std::f64::consts::PI).abs() < 1e-9);
    for i in 0..100 {
        let along = length * f64::from(i) / 100.0;
        let pose = oval.pose_along(along);
        let back = oval.progress(p(pose.x, pose.y)).unwrap();
        assert!(back.offset < 1e-9, "{along}: {back:?}");
        assert!((back.along - along).abs() < 1e-6, "{along}: {back:?}");
    }
    let tiny = Course::parse(TINY, "tiny").unwrap();
    let end = tiny.pose_along(5.0);
    assert!(
        (end.x - 0.9).abs() < 1e-9,
        "an open line ends at its last point: {end:?}"
    );
}

#[test]
fn a_map_without_a_line_has_no_progress_and_needs_a_start_pose() {
    let no_line = TINY.replace(
        "[line]\n    width = 0.02\n    points = [[0.1, 0.5], [0.9, 0.5]]\n",
        "",
    );
    let map = Course::parse(&no_line, "no line").unwrap();
    assert_eq!(map.progress(p(0.5, 0.5)), None);
    assert_eq!(map.line_length(), 0.0);
    assert!(map.segments().is_empty());
    assert_eq!(map.distance_to_line(p(0.5, 0.5)), f64::INFINITY);
    assert_eq!(map.surface_at(p(0.2, 0.5)), Surface::Floor);
    assert_eq!(map.pose_along(1.0), map.start());
    let no_start = no_line.replace(
        "[start]\n    x = 0.1\n    y = 0.5\n    heading_deg = 90\n",
        "",
    );
    assert!(problem_in(&no_start).contains("a map without a line needs a [start] pose"));
    // With a line, the start defaults to its first point, facing along it.
    let without_start = TINY.replace(
        "[start]\n    x = 0.1\n    y = 0.5\n    heading_deg = 90\n",
        "",
    );
    let default_start = Course::parse(&without_start, "x").unwrap();
    assert_eq!(
        default_start.start(),
        fleet_protocol::Pose {
            x: 0.1,
            y: 0.5,
            heading: 0.0
        }
    );
}

#[test]
fn zone_roles_teams_and_qr_codes_must_fit_together() {
    let with =
        |extra: &str| TINY.replace("name = \"gap\"\n", &format!("name = \"gap\"\n{extra}\n"));
    let base = Course::parse(
        &with("role = \"base\"\nteam = \"red\"\nqr_code = \"R1\""),
        "x",
    )
    .unwrap();
    let gap = base.zone("gap").unwrap();
    assert_eq!(
        (gap.role, gap.team.as_deref(), gap.qr_code.as_deref()),
        (ZoneRole::Base, Some("red"), Some("R1"))
    );
    assert!(problem_in(&with("role = \"base\"")).contains("base zone \"gap\" needs a team"));
    assert!(problem_in(&with("role = \"base\"\nteam = \" \"")).contains("empty team"));
    assert!(
        problem_in(&with("role = \"capture\"\nteam = \"red\"")).contains("only a base has a team")
    );
    assert!(problem_in(&with("qr_code = \"X\"")).contains("is a white zone; only a base"));
    assert!(problem_in(&with("role = \"goal\"")).contains("unknown variant"));
    assert!(
        problem_in(&TINY.replace("[[0.1, 0.5], [0.9, 0.5]]", "[[0.1, 0.5], [0.1, 0.5]]"))
            .contains("no length")
    );
}
