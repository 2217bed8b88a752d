//! What the teacher reads of a session's grades, shared by the API, the dashboard's pages and
//! the `grade` command: the leaderboard with who drove each robot ([`people`]), and a graded
//! run's telemetry trace for its page ([`trace`]). Grading itself is [`crate::grading`].

pub mod leaderboard;
pub mod people;
pub mod trace;

pub use leaderboard::{leaderboard, run_label};
pub use people::People;
pub use trace::{MAX_TRACE_POINTS, run_trace, trace_of};
