//! The orchestrator's vocabulary, below every other layer: ids, a robot's liveness and
//! snapshot, a command's outcome, missions (spec and state machine), records, and the clock.
//! The arrows point one way: api and cli -> actors -> recorder and store -> domain; nothing
//! here imports another module of the crate.

pub mod clock;
pub mod command;
pub mod ids;
pub mod mission_spec;
pub mod mission_state;
pub mod record;
pub mod robot;

pub use clock::now_ms;
pub use command::{BroadcastOutcome, CommandOutcome};
pub use ids::{BadGroupName, GroupName, MissionId, SessionId};
pub use mission_spec::{LineFollowSpec, MissionSpec, ScriptSpec, SpecError, Step, timeout_for};
pub use mission_state::MissionState;
pub use record::{Record, RecordKind};
pub use robot::{Liveness, RobotView};
