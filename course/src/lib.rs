//! The course robots drive on: the floor map (a light floor, a black line, white zones with
//! roles) and the geometry queries the simulator, the orchestrator's map, grading and the game
//! share, and the lap rule both referees use ([`LapCounter`]). No I/O but reading a map file.
//!
//! Units are metres and radians; x to the right, y up, headings counter-clockwise from +x.
//! Two courses ship compiled in: [`Course::oval`] (line following) and [`Course::arena`]
//! (capture the flag); others load from a TOML file ([`Course::load`], format in `map_file`).

mod course;
mod geometry;
mod lap;
mod map_file;
mod spread;
mod zone;

#[cfg(test)]
mod course_tests;
#[cfg(test)]
mod lap_tests;
#[cfg(test)]
mod spread_tests;

pub use course::{Course, LineProgress, Surface};
pub use fleet_protocol::Pose;
pub use geometry::{Point, distance_to_segment, lerp, nearest_fraction};
pub use lap::{LapCounter, MIN_OUT_SHARE, TOP_SPEED_MPS};
pub use map_file::MapError;
pub use spread::{START_CLEARANCE_M, START_LOOK_AHEAD_M};
pub use zone::{Zone, ZoneRole};
