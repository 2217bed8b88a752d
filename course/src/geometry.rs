//! Plane geometry on the floor: points, and the segment queries the line is built from
//! (nearest point, distance, clipping against a zone's rectangle).

use serde::Deserialize;

/// A point on the floor, metres (x to the right, y up).
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

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn distance_to(self, other: Point) -> f64 {
        (other.x - self.x).hypot(other.y - self.y)
    }
}

/// Where along segment `a`-`b` the point nearest `p` lies, as a fraction 0..=1 of its length
/// (0 for a segment of no length).
#[inline]
pub fn nearest_fraction(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    }
}

/// The point at fraction `t` of segment `a`-`b`.
#[inline]
pub fn lerp(a: Point, b: Point, t: f64) -> Point {
    Point {
        x: a.x + t * (b.x - a.x),
        y: a.y + t * (b.y - a.y),
    }
}

/// Distance from `p` to segment `a`-`b`: to its nearest point ([`nearest_fraction`]).
#[inline]
pub fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    p.distance_to(lerp(a, b, nearest_fraction(p, a, b)))
}

/// The part of segment `a`-`b` inside the axis-aligned rectangle `[x0, x1] x [y0, y1]`, as
/// fractions `(enter, leave)` of the segment, or `None` if the segment misses it
/// (Liang-Barsky clipping).
pub(crate) fn clip_to_rect(
    a: Point,
    b: Point,
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
) -> Option<(f64, f64)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut enter, mut leave) = (0.0_f64, 1.0_f64);
    // Each pair is (-direction, distance to the boundary) for one side of the rectangle.
    for (p, q) in [
        (-dx, a.x - x0),
        (dx, x1 - a.x),
        (-dy, a.y - y0),
        (dy, y1 - a.y),
    ] {
        if p == 0.0 {
            // Parallel to this side: inside it or not at all.
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                enter = enter.max(t);
            } else {
                leave = leave.min(t);
            }
        }
    }
    (enter <= leave).then_some((enter, leave))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    #[test]
    fn the_distance_to_a_segment_is_to_its_nearest_point_or_end() {
        let (a, b) = (p(0.0, 0.0), p(1.0, 0.0));
        let cases = [
            (p(0.5, 0.3), 0.3),
            (p(-0.3, 0.4), 0.5),
            (p(1.3, -0.4), 0.5),
            (p(0.2, 0.0), 0.0),
        ];
        for (point, expected) in cases {
            let got = distance_to_segment(point, a, b);
            assert!((got - expected).abs() < 1e-12, "{point:?}: {got}");
        }
        assert_eq!(distance_to_segment(p(3.0, 4.0), a, a), 5.0);
    }

    #[test]
    fn clipping_finds_where_a_segment_enters_and_leaves_a_rectangle() {
        let rect = ((0.4, 0.4), (0.6, 0.6));
        let across = clip_to_rect(p(0.0, 0.5), p(1.0, 0.5), rect.0, rect.1).unwrap();
        assert!((across.0 - 0.4).abs() < 1e-12 && (across.1 - 0.6).abs() < 1e-12);
        let inside = clip_to_rect(p(0.45, 0.45), p(0.55, 0.5), rect.0, rect.1).unwrap();
        assert_eq!(inside, (0.0, 1.0));
        assert_eq!(clip_to_rect(p(0.0, 0.7), p(1.0, 0.7), rect.0, rect.1), None);
        assert_eq!(clip_to_rect(p(0.0, 0.0), p(0.3, 0.3), rect.0, rect.1), None);
        let diagonal = clip_to_rect(p(0.0, 0.0), p(1.0, 1.0), rect.0, rect.1).unwrap();
        assert!((diagonal.0 - 0.4).abs() < 1e-12 && (diagonal.1 - 0.6).abs() < 1e-12);
    }
}
