//! Game mode: the agent plays the course's capture-the-flag game itself, speaking the legacy
//! protocol like the students' robots, so a class can mix agents and students' own code.
//! [`zone`] reads zones from the line sensors, [`hold`] immobilises the robot after a hit,
//! [`player`] is the task that speaks to the game master, scanning zones off the runtime.

pub mod hold;
pub mod player;
#[cfg(test)]
mod player_tests;
mod scan;
pub mod zone;

pub use player::{GameModeError, GamePlayer, GamePlayerHandle, IMMOBILISED, PlayerState};

use crate::config::Settings;
use crate::hal::Hardware;

/// Game mode as `robot-agent --game` starts it: the player attached to `hardware` (before the
/// runtime takes it) and connected with the agent's own broker address and credential
/// (`ROBOT_AGENT_BROKER_USER`/`PASSWORD`, as `robots enroll` issues it), on a second connection
/// `<id>@game`. `None` without `--game`.
pub fn start(
    settings: &Settings,
    hardware: &mut Hardware,
) -> Result<Option<GamePlayerHandle>, GameModeError> {
    if !settings.game {
        return Ok(None);
    }
    let player = GamePlayer::attach(settings.agent.id.as_str(), hardware)?;
    Ok(Some(player.spawn(&settings.agent.broker)))
}
