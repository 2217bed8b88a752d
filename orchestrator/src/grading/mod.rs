//! Grading student runs (issue 11): a pure function of a run's records, the course and a
//! rubric. [`Run`] decodes one robot's records over a span once; [`gaps`] says which time is
//! known; [`criteria`] measures; [`grade()`] scores against a [`Rubric`] into a [`Grade`].
//!
//! ```no_run
//! # use orchestrator::grading::{Course, Rubric, Run, Span, grade};
//! # fn demo(robot: &fleet_protocol::RobotId, records: &[orchestrator::recorder::Record]) {
//! let run = Run::from_records(robot, Span { from_ms: 0, to_ms: 60_000 }, records, 0);
//! let g = grade(&run, &Course::oval(), &Rubric::line_follow());
//! println!("{} / {} ({})", g.total, g.scale, if g.passed { "pass" } else { "fail" });
//! # }
//! ```

mod agent_layout;
pub mod courses;
pub mod criteria;
mod from_file;
pub mod gaps;
pub mod grade;
mod line_index;
mod rounding;
pub mod rubric;
mod rubric_file;
pub mod run;
pub mod sample_pack;
pub mod session;
mod slim;
mod toml_location;

#[cfg(test)]
mod grade_tests;
#[cfg(test)]
mod rubric_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod test_records;

pub use gaps::{Gap, GapKind, Reliability};
pub use grade::{Criterion, CriterionGrade, Grade, Raw, RubricRef, grade};
pub use rubric::{DEFAULT_RUBRIC, Rubric, RubricError};
pub use run::{RowRef, Run, RunBuilder, Span};

pub use fleet_course::{Course, Point};
