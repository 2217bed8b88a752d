//! Helpers for the end-to-end tests and benchmarks: a real Mosquitto ([`Broker`]), an MQTT
//! [`Observer`], and robots (simulated or fake) running the real agent in this process.

mod broker;
pub mod cli;
pub mod db;
pub mod fanout;
pub mod fleet_ops;
pub mod game_agents;
pub mod held_link;
pub mod latency;
pub mod legacy_robot;
mod observer;
pub mod orchestrator;
pub mod pages;
pub mod raw_mqtt;
pub mod recorded;
pub mod robot_io;
pub mod webdriver;

use std::time::{Duration, Instant};

use fleet_protocol::{BrokerAddress, Command, CommandId, CommandKind, encode};
use robot_agent::hal::Hardware;
use robot_agent::hal::sim::{self, SimConfig, SimHandle};
use robot_agent::runtime::fake::{FakeProbe, fake_hardware};
use robot_agent::runtime::{Agent, AgentConfig, AgentHandle};

pub use broker::{Broker, free_port};
pub use fleet_protocol::RobotId;
pub use observer::{Observer, Received, collect_feed};
pub use orchestrator::{Reply, TestApp};

/// Logs go to the test output only when `TEST_LOG` is set (as in zero2prod).
pub fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("debug,rumqttc=info"));
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .init();
        }
    });
}

/// Where a helper process (Mosquitto, chromedriver) writes: the test output with `TEST_LOG`,
/// else nowhere.
pub(crate) fn child_output() -> std::process::Stdio {
    if std::env::var_os("TEST_LOG").is_some() {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    }
}

/// Polls `cond` every few milliseconds; panics naming `what` if it is still false at `timeout`.
pub async fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the server `child` accepts connections on loopback `port` (`true`) or has
/// exited (`false`): a server started on a port picked free ([`free_port`]) exits at once when
/// another process took the port meanwhile, and its caller starts it again on a fresh one.
pub async fn accepting_or_exited(
    child: &mut std::process::Child,
    port: u16,
    timeout: Duration,
    what: &str,
) -> bool {
    let mut exited = false;
    wait_until(
        timeout,
        &format!("{what} to accept connections, or exit"),
        || {
            exited = child.try_wait().ok().flatten().is_some();
            exited || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        },
    )
    .await;
    !exited
}

/// The client id a support client uses on `broker`: its username when it has a credential
/// (the embedded broker binds the two), else `fallback()`.
pub(crate) fn client_id(broker: &BrokerAddress, fallback: impl FnOnce() -> String) -> String {
    broker
        .credentials
        .as_ref()
        .map_or_else(fallback, |c| c.username.clone())
}

/// Sets `broker`'s credential, if any, on a support client's options.
pub(crate) fn set_login(options: &mut rumqttc::MqttOptions, broker: &BrokerAddress) {
    if let Some(c) = &broker.credentials {
        options.set_credentials(c.username.clone(), c.password.clone());
    }
}

/// The bytes of a command.
pub fn command(id: &str, kind: CommandKind) -> Vec<u8> {
    encode(&Command::new(
        CommandId::parse(id).expect("valid command id"),
        kind,
    ))
}

pub fn robot_id(raw: &str) -> RobotId {
    RobotId::parse(raw).expect("valid robot id")
}

/// A simulated robot running the real agent against `broker`.
pub struct SimRobot {
    pub id: RobotId,
    pub agent: AgentHandle,
    pub sim: SimHandle,
}

impl SimRobot {
    /// Sets the robot down in the middle of its course map, off the oval's line (a student's
    /// hand lifting it away): a line follower reports `line_lost` next.
    pub fn push_off_the_line(&self) {
        let (width, height) = self.sim.map().size();
        self.sim.set_pose(fleet_protocol::Pose {
            x: width / 2.0,
            y: height / 2.0,
            heading: 0.0,
        });
    }
}

/// Starts a simulated robot and waits until its agent is connected. A bare Mosquitto has no
/// orchestrator to send the heartbeat, so the robot runs without an enable lease.
pub async fn spawn_sim_robot(
    broker: &Broker,
    id: &str,
    tweak: impl FnOnce(&mut AgentConfig, &mut SimConfig),
) -> SimRobot {
    spawn_sim_robot_on(broker.address(), id, |config, sim| {
        config.lease = None;
        tweak(config, sim)
    })
    .await
}

/// As [`spawn_sim_robot`], against any broker with an orchestrator (the embedded one, with
/// [`TestApp::robot_broker`]'s credential), keeping the default enable lease.
pub async fn spawn_sim_robot_on(
    broker: BrokerAddress,
    id: &str,
    tweak: impl FnOnce(&mut AgentConfig, &mut SimConfig),
) -> SimRobot {
    init_tracing();
    let mut config = AgentConfig::new(robot_id(id), broker);
    let mut sim_config = SimConfig::default();
    tweak(&mut config, &mut sim_config);
    let (hardware, sim) = sim::spawn(sim_config);
    let agent = start_agent(config, hardware).await;
    SimRobot {
        id: robot_id(id),
        agent,
        sim,
    }
}

/// A robot on the recording fake hardware (for latency measurements).
pub struct FakeRobot {
    pub id: RobotId,
    pub agent: AgentHandle,
    pub probe: FakeProbe,
}

pub async fn spawn_fake_robot(
    broker: &Broker,
    id: &str,
    tweak: impl FnOnce(&mut AgentConfig),
) -> FakeRobot {
    init_tracing();
    let mut config = AgentConfig::new(robot_id(id), broker.address());
    // No orchestrator on a bare Mosquitto: no heartbeat to hold a lease on.
    config.lease = None;
    tweak(&mut config);
    let (hardware, probe) = fake_hardware();
    let agent = start_agent(config, hardware).await;
    FakeRobot {
        id: robot_id(id),
        agent,
        probe,
    }
}

/// Runs the real agent on `hardware` and waits until it is connected, subscribed and (with a
/// lease) enabled by the orchestrator's heartbeat.
pub async fn start_agent(config: AgentConfig, hardware: Hardware) -> AgentHandle {
    let agent = Agent::build(config, hardware)
        .expect("valid agent config")
        .spawn();
    wait_until(
        Duration::from_secs(10),
        "the agent to connect, subscribe and hear the heartbeat",
        || {
            let state = agent.state();
            state.listening && state.enabled
        },
    )
    .await;
    agent
}
