//! The agent's runtime: the MQTT link, command execution, telemetry, events and safety stops,
//! over any [`Hardware`]. Built like zero2prod's `Application`: [`Agent::build`], then either
//! [`Agent::run_until_stopped`] (the binary) or [`Agent::spawn`] (tests, in-process fleets).

mod commands;
mod controller;
#[cfg(test)]
mod controller_tests;
pub mod drive;
pub mod fake;
mod follow;
mod lease;
#[cfg(test)]
mod lease_tests;
mod link;
mod outbox;
#[cfg(test)]
mod shoot_tests;
pub mod startup;
mod stats;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fleet_protocol::{BrokerAddress, Capability, DEADMAN_DEFAULT, LEASE_DEFAULT, RobotId, Status};
use thiserror::Error;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{Instrument, info, info_span, warn};

use crate::hal::Hardware;
pub use stats::{AgentState, AgentStats};

use controller::{Controller, Stop};
use stats::Counters;

/// What the runtime needs to know (the binary builds it from file, environment and flags).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    pub id: RobotId,
    pub broker: BrokerAddress,
    /// Telemetry samples per second.
    pub telemetry_hz: f64,
    /// Motors stop when no drive command arrived for this long.
    pub deadman: Duration,
    /// The enable lease: every motion stops when the orchestrator's heartbeat was silent for
    /// this long, and motion is refused until it is heard. `None`: no lease (an agent used
    /// without an orchestrator).
    pub lease: Option<Duration>,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
}

impl AgentConfig {
    /// Defaults for everything but the id and the broker: 10 Hz, 500 ms dead-man, 500 ms
    /// lease, reconnecting after 100 ms..5 s.
    pub fn new(id: RobotId, broker: BrokerAddress) -> Self {
        Self {
            id,
            broker,
            telemetry_hz: 10.0,
            deadman: DEADMAN_DEFAULT,
            lease: Some(LEASE_DEFAULT),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Error)]
pub enum AgentError {
    #[error("telemetry rate {0} Hz is not in 0.1..=100")]
    TelemetryRate(f64),
    #[error("dead-man timeout {0:?} is not in 50 ms..=60 s")]
    Deadman(Duration),
    #[error("enable lease {0:?} is not in 50 ms..=60 s (0 turns the lease off)")]
    Lease(Duration),
    #[error("could not install the {0} signal handler: {1}")]
    Signal(&'static str, std::io::Error),
    #[error("an agent task panicked: {0}")]
    Panicked(String),
}

/// A built agent, not yet connected.
pub struct Agent {
    config: AgentConfig,
    hardware: Hardware,
}

impl Agent {
    /// Checks the configuration; connecting happens when the agent runs.
    pub fn build(config: AgentConfig, hardware: Hardware) -> Result<Self, AgentError> {
        if !(0.1..=100.0).contains(&config.telemetry_hz) {
            return Err(AgentError::TelemetryRate(config.telemetry_hz));
        }
        if !(Duration::from_millis(50)..=Duration::from_secs(60)).contains(&config.deadman) {
            return Err(AgentError::Deadman(config.deadman));
        }
        if let Some(lease) = config.lease
            && !(Duration::from_millis(50)..=Duration::from_secs(60)).contains(&lease)
        {
            return Err(AgentError::Lease(lease));
        }
        Ok(Self { config, hardware })
    }

    pub fn id(&self) -> &RobotId {
        &self.config.id
    }

    /// Starts the agent's tasks on the current tokio runtime.
    pub fn spawn(self) -> AgentHandle {
        let Agent { config, hardware } = self;
        let span = info_span!("agent", robot = %config.id);
        let counters = Arc::new(Counters::default());
        let mut capabilities = hardware.info.capabilities.clone();
        // Line following is on-robot software: any robot with line sensors has it.
        if capabilities.contains(&Capability::LineSensors)
            && !capabilities.contains(&Capability::LineFollow)
        {
            capabilities.push(Capability::LineFollow);
        }
        let birth = Status::online(
            config.id.clone(),
            env!("CARGO_PKG_VERSION"),
            hardware.info.backend,
            capabilities,
            unix_ms(),
        );
        let will = birth.offline("link lost", unix_ms());
        let link = link::start(&config, &will, counters.clone(), span.clone());
        let (state_tx, state_rx) = watch::channel(AgentState::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let controller = Controller::new(
            &config,
            hardware,
            birth,
            link.client,
            counters.clone(),
            state_tx,
        );
        let controller_task = tokio::spawn(
            controller
                .run(link.events, stop_rx)
                .instrument(span.clone()),
        );
        AgentHandle {
            id: config.id,
            counters,
            state: state_rx,
            stop: Some(stop_tx),
            kill_link: Some(link.kill),
            controller: controller_task,
            link: link.task,
        }
    }

    /// Runs until Ctrl-C or SIGTERM, then stops the motors, says "offline: shutdown" and exits.
    pub async fn run_until_stopped(self) -> Result<(), AgentError> {
        // Installed before anything runs: from here on a signal means a clean stop, not death.
        let mut signals = Signals::install()?;
        let handle = self.spawn();
        signals.recv().await;
        info!(robot = %handle.id, "shutdown requested");
        handle.shutdown().await
    }
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Result<Self, AgentError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())
                .map_err(|e| AgentError::Signal("SIGINT", e))?,
            terminate: signal(SignalKind::terminate())
                .map_err(|e| AgentError::Signal("SIGTERM", e))?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Result<Self, AgentError> {
        Ok(Self)
    }

    async fn recv(&mut self) {
        if let Err(e) = tokio::signal::ctrl_c().await {
            warn!(error = %e, "cannot wait for Ctrl-C; stopping now");
        }
    }
}

/// Controls a running agent.
pub struct AgentHandle {
    id: RobotId,
    counters: Arc<Counters>,
    state: watch::Receiver<AgentState>,
    stop: Option<oneshot::Sender<Stop>>,
    kill_link: Option<oneshot::Sender<()>>,
    controller: JoinHandle<bool>,
    link: JoinHandle<()>,
}

/// How long a clean shutdown waits for the offline status and DISCONNECT to go out.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

impl AgentHandle {
    pub fn id(&self) -> &RobotId {
        &self.id
    }

    pub fn stats(&self) -> AgentStats {
        self.counters.snapshot()
    }

    /// The robot's state now; `watch_state` to wait for a change.
    pub fn state(&self) -> AgentState {
        *self.state.borrow()
    }

    pub fn watch_state(&self) -> watch::Receiver<AgentState> {
        self.state.clone()
    }

    /// Clean stop: motors stopped, retained offline status "shutdown", DISCONNECT (so the
    /// broker does not fire the last will).
    pub async fn shutdown(mut self) -> Result<(), AgentError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(Stop::Shutdown);
        }
        let disconnecting = join(&mut self.controller).await?.unwrap_or(false);
        if !disconnecting {
            // Link down: nothing can be said; the will already told the broker.
            self.kill_now();
            join(&mut self.link).await?;
        } else if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.link)
            .await
            .is_err()
        {
            warn!(robot = %self.id, "broker did not take the DISCONNECT in time; dropping the link");
            self.kill_now();
            join(&mut self.link).await?;
        }
        Ok(())
    }

    /// Crash-like stop: the connection is dropped without DISCONNECT, so the broker publishes
    /// the last will ("link lost"); the motors are stopped and the agent does not come back.
    pub async fn kill_link(mut self) -> Result<(), AgentError> {
        // The controller first, so it does not mistake the dropped link for a failure.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(Stop::Killed);
        }
        join(&mut self.controller).await?;
        self.kill_now();
        join(&mut self.link).await.map(|_| ())
    }

    fn kill_now(&mut self) {
        if let Some(kill) = self.kill_link.take() {
            let _ = kill.send(());
        }
    }
}

impl Drop for AgentHandle {
    // A handle dropped without shutdown must not leave a robot driving in the background.
    fn drop(&mut self) {
        self.controller.abort();
        self.link.abort();
    }
}

/// Waits for a task; `None` if it was cancelled.
async fn join<T>(task: &mut JoinHandle<T>) -> Result<Option<T>, AgentError> {
    match task.await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_cancelled() => Ok(None),
        Err(e) => Err(AgentError::Panicked(e.to_string())),
    }
}

/// Robot clock in Unix milliseconds, as every payload carries it.
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
