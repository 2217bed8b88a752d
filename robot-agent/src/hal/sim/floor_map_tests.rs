//! Floor map tests: parsing, the shipped oval, surface queries and error messages.

use super::floor_map::{FloorMap, MapError, Point, Surface};

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
    FloorMap::parse(text, "test.toml").unwrap_err().to_string()
}

#[test]
fn the_surface_is_line_on_the_tape_floor_beside_it_and_white_in_a_zone() {
    let map = FloorMap::parse(TINY, "tiny").unwrap();
    assert_eq!(map.surface_at(p(0.2, 0.5)), Surface::Line);
    assert_eq!(map.surface_at(p(0.2, 0.509)), Surface::Line);
    assert_eq!(map.surface_at(p(0.2, 0.512)), Surface::Floor);
    assert_eq!(map.surface_at(p(0.45, 0.5)), Surface::WhiteZone("gap"));
    assert_eq!(map.surface_at(p(0.95, 0.5)), Surface::Floor);
    assert_eq!(map.surface_at(p(5.0, 5.0)), Surface::Floor);
    assert!((map.start().heading - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    assert!((map.line_length() - 0.8).abs() < 1e-12);
}

#[test]
fn the_shipped_oval_is_a_closed_lap_with_a_finish_zone_across_the_line() {
    let map = FloorMap::oval();
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
    assert_eq!(map.surface_at(middle), Surface::WhiteZone("finish"));
    // Closing segment: the left semicircle joins back to the bottom straight.
    assert_eq!(map.surface_at(p(0.55, 0.203)), Surface::Line);
}

#[test]
fn a_missing_file_is_reported_with_its_path() {
    let err = FloorMap::load("/nonexistent/course.toml").unwrap_err();
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
        FloorMap::load(&path).unwrap(),
        FloorMap::parse(TINY, "x").unwrap()
    );
    std::fs::write(&path, "[floor]\nwidth = 'wide'\n").unwrap();
    let err = FloorMap::load(&path).unwrap_err().to_string();
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
