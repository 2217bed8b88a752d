//! The course: a light floor, a black line (a polyline of tape, open or closed) and white zones
//! painted over it, with the geometry queries the simulator, grading and the game ask of it.

use fleet_protocol::Pose;

use crate::geometry::{Point, distance_to_segment, lerp, nearest_fraction};
use crate::zone::{Zone, ZoneRole};

/// The course shipped for line following (`maps/oval.toml`).
const OVAL_TOML: &str = include_str!("../maps/oval.toml");
/// The course shipped for the capture-the-flag game (`maps/arena.toml`).
const ARENA_TOML: &str = include_str!("../maps/arena.toml");

/// What is under a point of the floor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Surface<'a> {
    /// The light floor (also everywhere outside the map).
    Floor,
    /// The black line.
    Line,
    /// A white zone.
    WhiteZone(&'a Zone),
}

/// Where a point is relative to the line: its nearest point on the line is `along` metres from
/// the line's first point (following the line), and the point is `offset` metres from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineProgress {
    pub along: f64,
    pub offset: f64,
}

/// The line's centre, with the length already walked at each segment's start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) width: f64,
    pub(crate) closed: bool,
    /// The polyline's segments (closing segment included for a closed line).
    pub(crate) segments: Vec<(Point, Point)>,
    /// `starts[i]`: metres along the line where segment `i` begins.
    starts: Vec<f64>,
    pub(crate) length: f64,
}

impl Line {
    pub(crate) fn new(width: f64, closed: bool, segments: Vec<(Point, Point)>) -> Self {
        let mut starts = Vec::with_capacity(segments.len());
        let mut length = 0.0;
        for (a, b) in &segments {
            starts.push(length);
            length += a.distance_to(*b);
        }
        Self {
            width,
            closed,
            segments,
            starts,
            length,
        }
    }

    fn distance(&self, p: Point) -> f64 {
        self.segments
            .iter()
            .map(|&(a, b)| distance_to_segment(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    /// The nearest point of the line to `p` (the first one along the line on a tie).
    fn project(&self, p: Point) -> LineProgress {
        let mut best = LineProgress {
            along: 0.0,
            offset: f64::INFINITY,
        };
        for (&(a, b), &start) in self.segments.iter().zip(&self.starts) {
            let t = nearest_fraction(p, a, b);
            let offset = p.distance_to(lerp(a, b, t));
            if offset < best.offset {
                best = LineProgress {
                    along: start + t * a.distance_to(b),
                    offset,
                };
            }
        }
        best
    }

    /// `along` brought onto the line: wrapped round a closed line, clamped to an open one.
    pub(crate) fn wrap(&self, along: f64) -> f64 {
        if !along.is_finite() {
            0.0
        } else if self.closed {
            along.rem_euclid(self.length)
        } else {
            along.clamp(0.0, self.length)
        }
    }

    /// The pose on the line `along` metres from its first point, facing along the line.
    pub(crate) fn pose_at(&self, along: f64) -> Pose {
        let along = self.wrap(along);
        // The segment holding `along`: the last one starting at or before it, with a length
        // (a repeated point makes a segment of none, which has no direction).
        let index = self
            .segments
            .iter()
            .zip(&self.starts)
            .rposition(|((a, b), &start)| start <= along && a != b)
            .or_else(|| self.segments.iter().position(|(a, b)| a != b))
            .unwrap_or(0);
        let (a, b) = self.segments[index];
        let len = a.distance_to(b);
        let t = if len > 0.0 {
            ((along - self.starts[index]) / len).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let at = lerp(a, b, t);
        Pose {
            x: at.x,
            y: at.y,
            heading: (b.y - a.y).atan2(b.x - a.x),
        }
    }

    /// The stretches of line (from, to, in metres along) that cross each rectangle.
    pub(crate) fn crossings(&self, zone: &Zone) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (low, high) = zone.corners();
        self.segments
            .iter()
            .zip(&self.starts)
            .filter_map(move |(&(a, b), &start)| {
                let (enter, leave) = crate::geometry::clip_to_rect(a, b, low, high)?;
                let len = a.distance_to(b);
                Some((start + enter * len, start + leave * len))
            })
    }
}

/// The floor map: floor size, the line (if any), the zones, the default start pose.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    width: f64,
    height: f64,
    pub(crate) line: Option<Line>,
    zones: Vec<Zone>,
    start: Pose,
}

impl Course {
    /// A checked course (see `map_file` for the checks).
    pub(crate) fn new(
        width: f64,
        height: f64,
        line: Option<Line>,
        zones: Vec<Zone>,
        start: Pose,
    ) -> Self {
        Self {
            width,
            height,
            line,
            zones,
            start,
        }
    }

    /// The shipped oval line-following course (`maps/oval.toml`), compiled into the binary.
    pub fn oval() -> Course {
        Self::parse(OVAL_TOML, "built-in oval").expect("the shipped oval map is valid")
    }

    /// The shipped capture-the-flag arena (`maps/arena.toml`): a line from the red base
    /// through the capture zone in the middle to the blue base.
    pub fn arena() -> Course {
        Self::parse(ARENA_TOML, "built-in arena").expect("the shipped arena map is valid")
    }

    /// Floor width and height, metres.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    /// The tape's width, metres (0 on a map without a line).
    pub fn line_width(&self) -> f64 {
        self.line.as_ref().map_or(0.0, |line| line.width)
    }

    /// Whether the line joins back to its first point (a lap).
    pub fn line_is_closed(&self) -> bool {
        self.line.as_ref().is_some_and(|line| line.closed)
    }

    /// The line's straight pieces, in order (with the closing piece of a closed line), so a
    /// viewer can draw the course. Empty on a map without a line.
    pub fn segments(&self) -> &[(Point, Point)] {
        self.line.as_ref().map_or(&[], |line| &line.segments)
    }

    /// Metres along the line where each of [`Course::segments`] begins (a fast index over the
    /// segments can so give the same `along` as [`Course::progress`]).
    pub fn segment_starts(&self) -> &[f64] {
        self.line.as_ref().map_or(&[], |line| &line.starts)
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.name == name)
    }

    /// The zone `p` is in (the first in the file where zones overlap).
    pub fn zone_at(&self, p: Point) -> Option<&Zone> {
        self.zones.iter().find(|z| z.contains(p))
    }

    pub fn zones_with_role(&self, role: ZoneRole) -> impl Iterator<Item = &Zone> {
        self.zones.iter().filter(move |z| z.role == role)
    }

    /// The start pose written in the map (or the line's first point, facing along it).
    pub fn start(&self) -> Pose {
        self.start
    }

    /// What is under `p`. Zones are painted last, so they win over the line.
    pub fn surface_at(&self, p: Point) -> Surface<'_> {
        if let Some(zone) = self.zone_at(p) {
            Surface::WhiteZone(zone)
        } else if self.distance_to_line(p) <= self.line_width() / 2.0 {
            Surface::Line
        } else {
            Surface::Floor
        }
    }

    /// Distance from `p` to the line's centre (ignoring zones), metres; infinite without a line.
    pub fn distance_to_line(&self, p: Point) -> f64 {
        self.line
            .as_ref()
            .map_or(f64::INFINITY, |line| line.distance(p))
    }

    /// Length of the line's centre, metres (one lap of a closed line; 0 without a line).
    pub fn line_length(&self) -> f64 {
        self.line.as_ref().map_or(0.0, |line| line.length)
    }

    /// How far along the line `p` is (by its nearest point of the line) and how far off it;
    /// `None` on a map without a line.
    pub fn progress(&self, p: Point) -> Option<LineProgress> {
        self.line.as_ref().map(|line| line.project(p))
    }

    /// The pose on the line `along` metres from its first point, facing along the line
    /// (wrapped round a closed line, clamped to the ends of an open one). Without a line, the
    /// start pose.
    pub fn pose_along(&self, along: f64) -> Pose {
        self.line
            .as_ref()
            .map_or(self.start, |line| line.pose_at(along))
    }
}
