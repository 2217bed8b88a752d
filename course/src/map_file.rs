//! Reading a course from its TOML map file, and checking it, with errors that name the file and
//! the problem (a teacher writes these files by hand).
//!
//! ```toml
//! [floor]            # metres
//! width = 2.4
//! height = 1.2
//! [line]             # optional (an arena may have none); then [start] is required
//! width = 0.02       # tape width
//! closed = true      # join the last point back to the first
//! points = [[0.6, 0.2], [1.8, 0.2], ...]
//! [[zone]]           # zero or more; drawn over the line, so the line is interrupted there
//! name = "finish"
//! role = "finish"    # finish | capture | base | white (the default)
//! team = "red"       # bases only: the team it belongs to
//! qr_code = "..."    # bases only, optional: the code of its QR label
//! x = 1.10           # lower-left corner
//! y = 0.10
//! w = 0.12
//! h = 0.20
//! [start]            # where a robot is put by default; optional with a line (its first
//! x = 0.8            # point, facing along it)
//! y = 0.2
//! heading_deg = 0.0  # counter-clockwise from +x
//! ```

use std::path::{Path, PathBuf};

use fleet_protocol::Pose;
use serde::Deserialize;
use thiserror::Error;

use crate::course::{Course, Line};
use crate::geometry::Point;
use crate::zone::Zone;

#[derive(Debug, Error)]
pub enum MapError {
    #[error("cannot read floor map {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("floor map {origin} is not valid TOML for a map: {message}")]
    Syntax { origin: String, message: String },
    #[error("floor map {origin}: {problem}")]
    Invalid { origin: String, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    floor: FloorFile,
    line: Option<LineFile>,
    #[serde(default)]
    zone: Vec<Zone>,
    start: Option<StartFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FloorFile {
    width: f64,
    height: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineFile {
    width: f64,
    #[serde(default)]
    closed: bool,
    points: Vec<Point>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartFile {
    x: f64,
    y: f64,
    heading_deg: f64,
}

impl Course {
    /// Reads and checks a map file.
    pub fn load(path: impl AsRef<Path>) -> Result<Course, MapError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MapError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses map text; `origin` names it in errors (a path, or "built-in oval").
    pub fn parse(text: &str, origin: &str) -> Result<Course, MapError> {
        let file: MapFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|span| {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                format!(" (line {line})")
            });
            MapError::Syntax {
                origin: origin.to_owned(),
                message: format!("{}{}", e.message(), at.unwrap_or_default()),
            }
        })?;
        check(file).map_err(|problem| MapError::Invalid {
            origin: origin.to_owned(),
            problem,
        })
    }
}

/// Checks a parsed file and builds the course, or says what is wrong with it.
fn check(file: MapFile) -> Result<Course, String> {
    let FloorFile { width, height } = file.floor;
    if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
        return Err(format!("floor size {width} x {height} m must be positive"));
    }
    let on_floor = |p: Point| (0.0..=width).contains(&p.x) && (0.0..=height).contains(&p.y);
    let line = match file.line {
        Some(line) => Some(check_line(line, width, height, on_floor)?),
        None => None,
    };
    for (i, zone) in file.zone.iter().enumerate() {
        if zone.name.is_empty() {
            return Err(format!("zone {i} has an empty name"));
        }
        if file.zone[..i].iter().any(|z| z.name == zone.name) {
            return Err(format!("zone name {:?} is used twice", zone.name));
        }
        let ((x0, y0), (x1, y1)) = zone.corners();
        let corners_ok = on_floor(Point::new(x0, y0)) && on_floor(Point::new(x1, y1));
        if !(zone.w > 0.0 && zone.h > 0.0 && corners_ok) {
            return Err(format!(
                "zone {:?} ({}, {}, {} x {}) must have a positive size and lie on the floor",
                zone.name, zone.x, zone.y, zone.w, zone.h
            ));
        }
        if let Some(problem) = zone.role_problem() {
            return Err(problem);
        }
    }
    let start = match (file.start, &line) {
        (Some(start), _) => {
            if !on_floor(Point::new(start.x, start.y)) || !start.heading_deg.is_finite() {
                return Err(format!(
                    "start pose ({}, {}, {} deg) is not on the floor",
                    start.x, start.y, start.heading_deg
                ));
            }
            Pose {
                x: start.x,
                y: start.y,
                heading: start.heading_deg.to_radians(),
            }
        }
        (None, Some(line)) => line.pose_at(0.0),
        (None, None) => return Err("a map without a line needs a [start] pose".to_owned()),
    };
    Ok(Course::new(width, height, line, file.zone, start))
}

fn check_line(
    line: LineFile,
    width: f64,
    height: f64,
    on_floor: impl Fn(Point) -> bool,
) -> Result<Line, String> {
    if !(line.width.is_finite() && line.width > 0.0) {
        return Err(format!("line width {} m must be positive", line.width));
    }
    if line.points.len() < 2 {
        return Err(format!(
            "the line needs at least 2 points, found {}",
            line.points.len()
        ));
    }
    if let Some((i, p)) = line.points.iter().enumerate().find(|(_, p)| !on_floor(**p)) {
        return Err(format!(
            "line point {i} ({}, {}) is outside the {width} x {height} m floor",
            p.x, p.y
        ));
    }
    let mut segments: Vec<(Point, Point)> = line.points.windows(2).map(|w| (w[0], w[1])).collect();
    // Two points cannot make a loop: such a line is a straight piece, driven end to end.
    let closed = line.closed && line.points.len() > 2;
    if closed {
        segments.push((line.points[line.points.len() - 1], line.points[0]));
    }
    if segments.iter().all(|(a, b)| a == b) {
        return Err("the line has no length: all its points are the same".to_owned());
    }
    Ok(Line::new(line.width, closed, segments))
}
