//! The HTTP API's contract: every request body and every answer, as Rust types with serde both
//! ways, one file per route group. The handlers answer with these types, the CLI and the
//! end-to-end tests read answers back through them, so a renamed field breaks the build, not
//! a client. docs/api.md describes the same routes for people.

pub mod access;
pub mod error;
pub mod fanout;
pub mod game;
pub mod grades;
pub mod groups;
pub mod missions;
pub mod replay;
pub mod robots;
pub mod roster;
pub mod runs;
pub mod sessions;
pub mod stats;

pub use access::{StudentAccess, WhoAmI};
pub use error::ErrorBody;
pub use fanout::{FailedSend, FanoutReport, Refused};
pub use grades::{
    GradeOverride, GradedSession, LeaderboardRow, RunTrace, SetOverride, StoredGrade, TracePoint,
};
pub use groups::{Deleted, Group, Members, NewGroup};
pub use missions::{
    AbortRequest, AssignAnswer, AssignRequest, GroupAssignment, MissionRecord, RefusedRobot,
    Transition,
};
pub use replay::{
    Mark, MissionMark, PageCursor, PruneRequest, RecordPage, RecordView, RecordWindow,
    SessionSummary, SessionsDeleted,
};
pub use robots::{CommandAnswer, RobotView};
pub use runs::{EndRun, MarkedRun, StartRun};
pub use sessions::{SessionView, StartSession};
pub use stats::{Health, Stats};
