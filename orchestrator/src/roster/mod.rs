//! The class: students, their teams and the robot each drives, and the credentials that let
//! students and enrolled robots in. [`csv`] reads a class file, [`StopLedger`] remembers who
//! set each emergency stop (only the teacher lifts the teacher's), [`StudentDirectory`] answers
//! "whose token is this?" for the HTTP API, and [`ClassAccess`] keeps SQLite, the directory and
//! the broker's credential registry in step.

pub mod csv;
mod directory;
mod issued;
mod relay;
mod service;
mod stops;
mod student_id;

pub use csv::{RosterLine, parse_roster};
pub use directory::{StudentDirectory, StudentLogin};
pub use issued::IssuedCredential;
pub use relay::{StudentAnswer, StudentRelay};
pub use service::{ClassAccess, ClassError};
pub use stops::{Commander, StopHolder, StopLedger, StopRefusal, StopTarget};
pub use student_id::{BadStudentId, StudentId};
