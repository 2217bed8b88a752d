//! `serve --sim N`: N simulated robots in this process, each a real agent (the robot-agent
//! library) talking MQTT to the broker like a robot on the classroom Wi-Fi would.
//!
//! They run on their own tokio runtime so that their physics and timers never compete with
//! the actix threads that serve the API.

use std::time::Duration;

use anyhow::Context;
use fleet_course::Course;
use fleet_protocol::{BrokerAddress, Pose, RobotId};
use robot_agent::hal::sim::{self, SimConfig, SimHandle};
use robot_agent::runtime::{Agent, AgentConfig, AgentHandle};
use tokio::runtime::Runtime;
use tracing::{info, warn};

/// How long a clean shutdown of all simulated agents may take before they are abandoned.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Robots spawned side by side are this far apart, so they do not sit on one another.
const SPACING_M: f64 = 0.25;

pub struct SimFleet {
    runtime: Runtime,
    agents: Vec<AgentHandle>,
    sims: Vec<SimHandle>,
}

impl SimFleet {
    /// Starts `count` simulated robots named `sim-01`, `sim-02`, ... on `map`.
    pub fn start(count: usize, broker: &BrokerAddress, map: Course) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim-robots")
            .enable_all()
            .build()
            .context("starting the simulated robots' runtime")?;
        let width = count.to_string().len().max(2);
        let mut agents = Vec::with_capacity(count);
        let mut sims = Vec::with_capacity(count);
        let _guard = runtime.enter();
        for i in 0..count {
            let id = RobotId::parse(&format!("sim-{:0width$}", i + 1))?;
            let mut config = SimConfig::new(map.clone());
            config.start = Some(start_pose(&map, i));
            let (hardware, handle) = sim::spawn(config);
            let agent = Agent::build(AgentConfig::new(id, broker.clone()), hardware)?;
            agents.push(agent.spawn());
            sims.push(handle);
        }
        info!(count, "simulated robots started");
        Ok(Self {
            runtime,
            agents,
            sims,
        })
    }

    /// Stops every robot cleanly (motors stopped, offline status published), then the runtime.
    pub async fn shutdown(self) {
        let SimFleet {
            runtime,
            agents,
            sims,
        } = self;
        let stopping = runtime.spawn(async move {
            for agent in agents {
                let id = agent.id().clone();
                if let Err(e) = agent.shutdown().await {
                    warn!(robot = %id, "simulated robot did not stop cleanly: {e}");
                }
            }
            for s in sims {
                s.shutdown().await;
            }
        });
        if tokio::time::timeout(SHUTDOWN_GRACE, stopping)
            .await
            .is_err()
        {
            warn!("simulated robots did not stop within {SHUTDOWN_GRACE:?}; abandoning them");
        }
        runtime.shutdown_background();
    }
}

/// Robot `i` starts at the map's start pose, shifted back along its heading.
fn start_pose(map: &Course, i: usize) -> Pose {
    let start = map.start();
    let back = SPACING_M * i as f64;
    Pose {
        x: start.x - back * start.heading.cos(),
        y: start.y - back * start.heading.sin(),
        heading: start.heading,
    }
}
