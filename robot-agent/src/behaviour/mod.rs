//! On-robot behaviours: pure controllers that turn sensor readings into motor outputs and
//! events. They do no I/O, so the same code runs on the simulator and on the real robot.

pub mod line_follow;

pub use line_follow::{LineFollowConfig, LineFollower, Step};

#[cfg(test)]
mod lap_tests;
#[cfg(test)]
mod line_follow_tests;
