//! From resolved [`Settings`] to a running agent: opens the hardware backend the settings
//! name, runs the agent until Ctrl-C or SIGTERM, then stops the simulator if there is one.

use thiserror::Error;
use tracing::info;

use super::{Agent, AgentError};
use crate::config::{BackendKind, Settings};
use crate::hal::Hardware;
use crate::hal::sim::{self, SimConfig, SimHandle};
use fleet_course::{Course, MapError};

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("cannot load the simulator map: {0}")]
    Map(#[from] MapError),
    #[error(transparent)]
    Rasptank(#[from] crate::hal::rasptank::RasptankError),
    #[error("this build has no RaspTank support: rebuild with `--features rasptank`")]
    NoRasptankSupport,
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error(transparent)]
    Game(#[from] crate::game::GameModeError),
}

/// Opens the hardware, runs the agent until a signal, and shuts everything down cleanly.
pub async fn run(settings: Settings) -> Result<(), StartupError> {
    let (mut hardware, sim) = open_hardware(&settings)?;
    let player = crate::game::start(&settings, &mut hardware)?;
    let agent = Agent::build(settings.agent, hardware)?;
    info!(robot = %agent.id(), backend = ?settings.backend, game = player.is_some(), "robot agent starting");
    agent.run_until_stopped().await?;
    if let Some(player) = player {
        player.shutdown().await;
    }
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}

/// The hardware named by the settings; the simulator also returns its handle.
pub fn open_hardware(settings: &Settings) -> Result<(Hardware, Option<SimHandle>), StartupError> {
    match settings.backend {
        BackendKind::Sim => {
            let map = match &settings.sim.map {
                Some(path) => Course::load(path)?,
                None => Course::oval(),
            };
            let mut config = SimConfig::new(map);
            config.time_scale = settings.sim.time_scale;
            let (hardware, handle) = sim::spawn(config);
            Ok((hardware, Some(handle)))
        }
        BackendKind::Rasptank => open_rasptank(settings).map(|hw| (hw, None)),
    }
}

#[cfg(feature = "rasptank")]
fn open_rasptank(settings: &Settings) -> Result<Hardware, StartupError> {
    Ok(crate::hal::rasptank::open(&settings.rasptank)?)
}

#[cfg(not(feature = "rasptank"))]
fn open_rasptank(_settings: &Settings) -> Result<Hardware, StartupError> {
    Err(StartupError::NoRasptankSupport)
}
