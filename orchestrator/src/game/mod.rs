//! The game master of the course's capture-the-flag game (issue 12): a drop-in for the
//! course's reference master, speaking the legacy plain-text protocol to the students' robots
//! and to the project's agents in game mode.
//!
//! [`GameLink`] is its own MQTT connection on the legacy topics; [`GameMaster`] keeps the games
//! of this run and routes what the link hears to the current one; each game is a
//! [`GameActor`] around the pure rules of `fleet-game`, with its deadlines as actor timers;
//! [`GameControl`] is what the API's game routes call (readiness gate, estop on pause); their
//! requests and answers are in `contract/game.rs`.
//! Everything heard and sent is recorded in the running session as `game` records.

pub mod actor;
pub mod control;
pub mod link;
pub mod master;
pub mod readiness;

pub use actor::{GameAction, GameActor};
pub use control::{ControlError, GameControl};
pub use link::{Answers, GameLink, Heard};
pub use master::GameMaster;
