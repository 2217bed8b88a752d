//! Game mode: the agent plays the course's capture-the-flag game itself, speaking the legacy
//! protocol like the students' robots, so a class can mix agents and students' own code.
//! [`zone`] reads zones from the line sensors, [`hold`] immobilises the robot after a hit,
//! [`player`] is the task that speaks to the game master.

pub mod hold;
pub mod player;
pub mod zone;

pub use player::{GameModeError, GamePlayer, GamePlayerHandle, IMMOBILISED, PlayerState};
