//! Distance to the course's line, fast: a grid over the floor whose cells each list the few
//! segments that can be nearest to any point in them, so a sample is measured against those
//! instead of every segment of the line. The answer is the same number, bit for bit, as
//! [`Course::distance_to_line`] (the course crate's own segment functions, and the minimum
//! over a set known to hold the nearest segment); points off the grid are measured against
//! every segment.
//!
//! Cells are filled on first use: a run visits a band of cells along the line, not the floor.
//!
//! Within a cell, squared distances pick the candidates that can be nearest before any
//! `hypot` (the square root the course crate takes, a good part of the criteria's time): only a
//! candidate within [`SQUARED_SLACK`] of the smallest squared distance before it gets one. The
//! slack is far beyond the rounding of a squared sum and of `hypot` (under an ulp each), so a
//! candidate left out has a larger distance whatever the rounding: the answer stays bit for bit.

use std::cell::OnceCell;

use fleet_course::{distance_to_segment, lerp, nearest_fraction};

use super::{Course, Point};

/// Cell side, metres: a few line widths, so a cell near the line lists two or three segments.
const CELL_M: f64 = 0.02;
/// How far beyond the floor the grid reaches (a robot that left the floor is still measured).
const MARGIN_M: f64 = 0.5;
/// Relative slack on squared distances when picking the candidates that can be nearest.
const SQUARED_SLACK: f64 = 1e-9;

pub struct LineIndex<'a> {
    course: &'a Course,
    segments: &'a [(Point, Point)],
    starts: &'a [f64],
    /// Each segment's length, as `Course::progress` computes it (`a.distance_to(b)`).
    lengths: Vec<f64>,
    x0: f64,
    y0: f64,
    cols: usize,
    rows: usize,
    /// Per cell, row-major: the indices of the segments that may be nearest to a point in it.
    cells: Vec<OnceCell<Vec<u32>>>,
}

impl<'a> LineIndex<'a> {
    pub fn new(course: &'a Course) -> Self {
        let (width, height) = course.size();
        let cells_along = |len: f64| {
            let n = ((len + 2.0 * MARGIN_M) / CELL_M).ceil();
            // A map of absurd size gets no grid (every point is measured the slow way).
            if n.is_finite() && (1.0..=4096.0).contains(&n) {
                n as usize
            } else {
                0
            }
        };
        let (cols, rows) = (cells_along(width), cells_along(height));
        let (cols, rows) = if cols == 0 || rows == 0 {
            (0, 0)
        } else {
            (cols, rows)
        };
        LineIndex {
            course,
            segments: course.segments(),
            starts: course.segment_starts(),
            lengths: course
                .segments()
                .iter()
                .map(|&(a, b)| a.distance_to(b))
                .collect(),
            x0: -MARGIN_M,
            y0: -MARGIN_M,
            cols,
            rows,
            cells: (0..cols * rows).map(|_| OnceCell::new()).collect(),
        }
    }

    /// Distance from `p` to the line's centre, metres (infinite on a map without a line).
    pub fn distance(&self, p: Point) -> f64 {
        match self.cell_of(p) {
            Some(cell) => self
                .can_be_nearest(p, cell)
                .map(|(_, _, offset)| offset)
                .fold(f64::INFINITY, f64::min),
            None => self.all(p),
        }
    }

    /// Metres along the line to the point of it nearest `p`: [`Course::progress`]'s `along`,
    /// bit for bit (the same formula, the first of the nearest segments in the line's order).
    pub fn along(&self, p: Point) -> Option<f64> {
        let Some(cell) = self.cell_of(p) else {
            return self.course.progress(p).map(|progress| progress.along);
        };
        let mut best: Option<(f64, f64)> = None;
        for (i, t, offset) in self.can_be_nearest(p, cell) {
            if best.is_none_or(|(_, best_offset)| offset < best_offset) {
                best = Some((
                    self.starts.get(i).copied()? + t * self.lengths.get(i).copied()?,
                    offset,
                ));
            }
        }
        best.map(|(along, _)| along)
    }

    /// The candidates of `cell` that can be nearest to `p`, in the line's order: each one's
    /// index, the fraction along it of its point nearest `p`, and the distance to that point.
    /// A candidate whose squared distance is beyond [`SQUARED_SLACK`] of the smallest one so
    /// far gets no `hypot`: it is farther than that one, so it cannot be nearest, nor tie.
    fn can_be_nearest(
        &self,
        p: Point,
        cell: usize,
    ) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        let mut smallest = f64::INFINITY;
        self.cells[cell]
            .get_or_init(|| self.candidates(cell))
            .iter()
            .filter_map(move |&i| {
                let i = i as usize;
                let (a, b) = *self.segments.get(i)?;
                let t = nearest_fraction(p, a, b);
                let q = lerp(a, b, t);
                let (dx, dy) = (q.x - p.x, q.y - p.y);
                let squared = dx * dx + dy * dy;
                if squared > smallest * (1.0 + SQUARED_SLACK) {
                    return None;
                }
                smallest = smallest.min(squared);
                Some((i, t, p.distance_to(q)))
            })
    }

    fn all(&self, p: Point) -> f64 {
        self.segments
            .iter()
            .map(|&(a, b)| distance_to_segment(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    fn cell_of(&self, p: Point) -> Option<usize> {
        let cx = ((p.x - self.x0) / CELL_M).floor();
        let cy = ((p.y - self.y0) / CELL_M).floor();
        // False for NaN too.
        let inside = (0.0..self.cols as f64).contains(&cx) && (0.0..self.rows as f64).contains(&cy);
        inside.then(|| cy as usize * self.cols + cx as usize)
    }

    /// Any point of the cell is within `h` (half its diagonal) of its centre `c`, so its
    /// distance to a segment differs from the centre's by at most `h`: the segment nearest to
    /// the point is within `nearest(c) + 2h` of the centre.
    fn candidates(&self, cell: usize) -> Vec<u32> {
        let (cx, cy) = (cell % self.cols, cell / self.cols);
        let centre = Point {
            x: self.x0 + (cx as f64 + 0.5) * CELL_M,
            y: self.y0 + (cy as f64 + 0.5) * CELL_M,
        };
        let half_diagonal = CELL_M * std::f64::consts::FRAC_1_SQRT_2;
        let d: Vec<f64> = self
            .segments
            .iter()
            .map(|&(a, b)| distance_to_segment(centre, a, b))
            .collect();
        let nearest = d.iter().copied().fold(f64::INFINITY, f64::min);
        // A hair of slack for the rounding of the distances themselves.
        let reach = nearest + 2.0 * half_diagonal + 1e-9;
        d.iter()
            .enumerate()
            .filter(|&(_, &di)| di <= reach)
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic scatter over and around the floor (no rand in the tree).
    fn points(course: &Course, n: usize) -> Vec<Point> {
        let (w, h) = course.size();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| Point {
                x: -0.8 + next() * (w + 1.6),
                y: -0.8 + next() * (h + 1.6),
            })
            .collect()
    }

    #[test]
    fn the_grid_gives_the_courses_own_distance_bit_for_bit() {
        for course in [Course::oval(), Course::arena()] {
            let index = LineIndex::new(&course);
            let mut near_line = 0;
            for p in points(&course, 20_000) {
                let expected = course.distance_to_line(p);
                assert_eq!(index.distance(p).to_bits(), expected.to_bits(), "{p:?}");
                near_line += usize::from(expected < 0.05);
            }
            // The scatter must exercise the cells along the line, not only empty floor.
            if !course.segments().is_empty() {
                assert!(near_line > 100, "only {near_line} points near the line");
            }
        }
    }

    #[test]
    fn the_grid_gives_the_courses_own_progress_along_the_line_bit_for_bit() {
        for course in [Course::oval(), Course::arena()] {
            let index = LineIndex::new(&course);
            let off_grid = [Point::new(50.0, -3.0), Point::new(f64::NAN, 0.2)];
            for p in points(&course, 20_000).into_iter().chain(off_grid) {
                let expected = course.progress(p).map(|progress| progress.along.to_bits());
                assert_eq!(index.along(p).map(f64::to_bits), expected, "{p:?}");
            }
        }
    }

    #[test]
    fn points_on_the_line_and_off_the_grid_are_measured_too() {
        let course = Course::oval();
        let index = LineIndex::new(&course);
        for along in [0.0, 0.3, 1.7, 2.9, 4.4] {
            let pose = course.pose_along(along);
            let p = Point {
                x: pose.x,
                y: pose.y,
            };
            assert_eq!(index.distance(p), course.distance_to_line(p));
        }
        for p in [Point::new(50.0, -3.0), Point::new(f64::NAN, 0.2)] {
            assert_eq!(
                index.distance(p).to_bits(),
                course.distance_to_line(p).to_bits()
            );
        }
    }
}
