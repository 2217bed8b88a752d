//! The floor the simulated robot drives on: a light floor, a black line (a polyline of tape)
//! and white zones painted over the line, read from a small TOML file.
//!
//! ```toml
//! [floor]            # metres
//! width = 2.4
//! height = 1.2
//! [line]
//! width = 0.02       # tape width
//! closed = true      # join the last point back to the first
//! points = [[0.6, 0.2], [1.8, 0.2], ...]
//! [[zone]]           # zero or more; drawn over the line, so the line is interrupted there
//! name = "finish"
//! x = 1.10           # lower-left corner
//! y = 0.10
//! w = 0.12
//! h = 0.20
//! [start]            # where a robot is put by default
//! x = 0.8
//! y = 0.2
//! heading_deg = 0.0  # counter-clockwise from +x
//! ```

use std::path::{Path, PathBuf};

use fleet_protocol::Pose;
use serde::Deserialize;
use thiserror::Error;

/// The course shipped with the agent (`maps/oval.toml`).
const OVAL_TOML: &str = include_str!("../../../maps/oval.toml");

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

/// A point on the floor, metres.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(from = "[f64; 2]")]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl From<[f64; 2]> for Point {
    fn from([x, y]: [f64; 2]) -> Self {
        Self { x, y }
    }
}

/// A named white rectangle, axis-aligned; `(x, y)` is its lower-left corner.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Zone {
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }
}

/// What is under a point of the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface<'a> {
    /// The light floor (also everywhere outside the map).
    Floor,
    /// The black line.
    Line,
    /// A white zone, by name.
    WhiteZone(&'a str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FloorMap {
    width: f64,
    height: f64,
    line_width: f64,
    /// The polyline's segments (closing segment included for a closed line).
    segments: Vec<(Point, Point)>,
    zones: Vec<Zone>,
    start: Pose,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    floor: FloorFile,
    line: LineFile,
    #[serde(default)]
    zone: Vec<Zone>,
    start: StartFile,
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

impl FloorMap {
    /// Reads and checks a map file.
    pub fn load(path: impl AsRef<Path>) -> Result<FloorMap, MapError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MapError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses map text; `origin` names it in errors (a path, or "built-in oval").
    pub fn parse(text: &str, origin: &str) -> Result<FloorMap, MapError> {
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
        let invalid = |problem: String| MapError::Invalid {
            origin: origin.to_owned(),
            problem,
        };
        let FloorFile { width, height } = file.floor;
        if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
            return Err(invalid(format!(
                "floor size {width} x {height} m must be positive"
            )));
        }
        let on_floor = |p: Point| (0.0..=width).contains(&p.x) && (0.0..=height).contains(&p.y);
        let line = file.line;
        if !(line.width.is_finite() && line.width > 0.0) {
            return Err(invalid(format!(
                "line width {} m must be positive",
                line.width
            )));
        }
        if line.points.len() < 2 {
            return Err(invalid(format!(
                "the line needs at least 2 points, found {}",
                line.points.len()
            )));
        }
        if let Some((i, p)) = line.points.iter().enumerate().find(|(_, p)| !on_floor(**p)) {
            return Err(invalid(format!(
                "line point {i} ({}, {}) is outside the {width} x {height} m floor",
                p.x, p.y
            )));
        }
        let mut segments: Vec<(Point, Point)> =
            line.points.windows(2).map(|w| (w[0], w[1])).collect();
        if line.closed && line.points.len() > 2 {
            segments.push((line.points[line.points.len() - 1], line.points[0]));
        }
        for (i, zone) in file.zone.iter().enumerate() {
            if zone.name.is_empty() {
                return Err(invalid(format!("zone {i} has an empty name")));
            }
            if file.zone[..i].iter().any(|z| z.name == zone.name) {
                return Err(invalid(format!("zone name {:?} is used twice", zone.name)));
            }
            let corners_ok = on_floor(Point {
                x: zone.x,
                y: zone.y,
            }) && on_floor(Point {
                x: zone.x + zone.w,
                y: zone.y + zone.h,
            });
            if !(zone.w > 0.0 && zone.h > 0.0 && corners_ok) {
                return Err(invalid(format!(
                    "zone {:?} ({}, {}, {} x {}) must have a positive size and lie on the floor",
                    zone.name, zone.x, zone.y, zone.w, zone.h
                )));
            }
        }
        let start = file.start;
        if !on_floor(Point {
            x: start.x,
            y: start.y,
        }) || !start.heading_deg.is_finite()
        {
            return Err(invalid(format!(
                "start pose ({}, {}, {} deg) is not on the floor",
                start.x, start.y, start.heading_deg
            )));
        }
        Ok(FloorMap {
            width,
            height,
            line_width: line.width,
            segments,
            zones: file.zone,
            start: Pose {
                x: start.x,
                y: start.y,
                heading: start.heading_deg.to_radians(),
            },
        })
    }

    /// The shipped oval course (`maps/oval.toml`), compiled into the binary.
    pub fn oval() -> FloorMap {
        Self::parse(OVAL_TOML, "built-in oval").expect("the shipped oval map is valid")
    }

    /// Floor width and height, metres.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    pub fn line_width(&self) -> f64 {
        self.line_width
    }

    /// The line's straight pieces, in order (with the closing piece of a closed line), so a
    /// viewer can draw the course.
    pub fn segments(&self) -> &[(Point, Point)] {
        &self.segments
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.name == name)
    }

    /// The start pose written in the map.
    pub fn start(&self) -> Pose {
        self.start
    }

    /// What is under `p`. Zones are painted last, so they win over the line.
    pub fn surface_at(&self, p: Point) -> Surface<'_> {
        if let Some(zone) = self.zones.iter().find(|z| z.contains(p)) {
            Surface::WhiteZone(&zone.name)
        } else if self.distance_to_line(p) <= self.line_width / 2.0 {
            Surface::Line
        } else {
            Surface::Floor
        }
    }

    /// Distance from `p` to the line's centre (ignoring zones), metres.
    pub fn distance_to_line(&self, p: Point) -> f64 {
        self.segments
            .iter()
            .map(|&(a, b)| distance_to_segment(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    /// Length of the line's centre, metres (one lap of a closed line).
    pub fn line_length(&self) -> f64 {
        self.segments
            .iter()
            .map(|(a, b)| (b.x - a.x).hypot(b.y - a.y))
            .sum()
    }
}

fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    (p.x - (a.x + t * dx)).hypot(p.y - (a.y + t * dy))
}
