//! `serve --sim N`: N simulated robots in this process, each a real agent (the robot-agent
//! library) talking MQTT to the broker like a robot on the classroom Wi-Fi would.
//!
//! They run on their own tokio runtime so that their physics and timers never compete with
//! the actix threads that serve the API. They start spread along the course's line, facing
//! along it ([`Course::start_poses`]), so each can follow the line from where it stands.
//!
//! This is the only module of the orchestrator that uses the `robot-agent` crate.

use std::time::Duration;

use anyhow::Context;
use fleet_course::Course;
use fleet_protocol::{BrokerAddress, RobotId};
use robot_agent::game::{GamePlayer, GamePlayerHandle};
use robot_agent::hal::sim::{self, ArenaSeat, SimArena, SimConfig, SimHandle};
use robot_agent::runtime::{Agent, AgentConfig, AgentHandle, AgentState};
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tracing::{info, warn};

/// How long a clean shutdown of all simulated agents may take before they are abandoned.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Whether every simulated robot would obey a command now (see [`SimFleet::readiness`]).
#[derive(Clone, Default)]
pub struct SimReadiness(Vec<watch::Receiver<AgentState>>);

impl SimReadiness {
    pub fn all_enabled(&self) -> bool {
        self.0.iter().all(|s| {
            let state = s.borrow();
            state.listening && state.enabled
        })
    }
}

pub struct SimFleet {
    runtime: Runtime,
    agents: Vec<AgentHandle>,
    sims: Vec<SimHandle>,
    players: Vec<GamePlayerHandle>,
}

impl SimFleet {
    /// Starts `count` simulated robots named `sim-01`, `sim-02`, ... on `map`; `login` gives
    /// each robot its broker address with its own credential.
    pub fn start(
        count: usize,
        login: impl Fn(&RobotId) -> anyhow::Result<BrokerAddress>,
        map: Course,
    ) -> anyhow::Result<Self> {
        Self::start_with(
            count,
            login,
            None::<fn(&RobotId) -> anyhow::Result<BrokerAddress>>,
            map,
        )
    }

    /// `serve --sim N --sim-game`: robots named like the course's (`0x5100000000NN`, a MAC)
    /// seated in one arena, so their IR shots reach each other, each also playing the game
    /// (the agent's game mode: it registers with the game master and reports zones and hits).
    /// `game_login` gives each robot's game connection its broker address and credential.
    pub fn start_game(
        count: usize,
        login: impl Fn(&RobotId) -> anyhow::Result<BrokerAddress>,
        game_login: impl Fn(&RobotId) -> anyhow::Result<BrokerAddress>,
        map: Course,
    ) -> anyhow::Result<Self> {
        Self::start_with(count, login, Some(game_login), map)
    }

    fn start_with<G: Fn(&RobotId) -> anyhow::Result<BrokerAddress>>(
        count: usize,
        login: impl Fn(&RobotId) -> anyhow::Result<BrokerAddress>,
        game_login: Option<G>,
        map: Course,
    ) -> anyhow::Result<Self> {
        let game = game_login.is_some();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim-robots")
            .enable_all()
            .build()
            .context("starting the simulated robots' runtime")?;
        let width = count.to_string().len().max(2);
        let mut agents = Vec::with_capacity(count);
        let mut sims = Vec::with_capacity(count);
        let mut players = Vec::new();
        let arena = SimArena::new();
        let _guard = runtime.enter();
        for (i, mut config) in robot_configs(&map, count).into_iter().enumerate() {
            let name = if game {
                format!("0x5100000000{:02x}", i + 1)
            } else {
                format!("sim-{:0width$}", i + 1)
            };
            let id = RobotId::parse(&name)?;
            if game {
                config.arena = Some(ArenaSeat {
                    arena: arena.clone(),
                    mac: 0x5100_0000_0000 + i as u64 + 1,
                });
            }
            let (mut hardware, handle) = sim::spawn(config);
            let broker = login(&id)?;
            if let Some(game_login) = &game_login {
                let game_broker = game_login(&id)?;
                players.push(GamePlayer::attach(&name, &mut hardware)?.spawn(&game_broker));
            }
            let agent = Agent::build(AgentConfig::new(id, broker), hardware)?;
            agents.push(agent.spawn());
            sims.push(handle);
        }
        info!(count, "simulated robots started");
        Ok(Self {
            runtime,
            agents,
            sims,
            players,
        })
    }

    /// A view of whether every robot is connected, subscribed and enabled by the heartbeat:
    /// online is not yet enabled, and a robot refuses motion until it has heard the lease.
    pub fn readiness(&self) -> SimReadiness {
        SimReadiness(self.agents.iter().map(AgentHandle::watch_state).collect())
    }

    /// Stops every robot cleanly (motors stopped, offline status published), then the runtime.
    pub async fn shutdown(self) {
        let SimFleet {
            runtime,
            agents,
            sims,
            players,
        } = self;
        let stopping = runtime.spawn(async move {
            for player in players {
                player.shutdown().await;
            }
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

/// The simulator settings of `count` robots on `map`: real time, each at its own start pose.
fn robot_configs(map: &Course, count: usize) -> Vec<SimConfig> {
    map.start_poses(count)
        .into_iter()
        .map(|start| SimConfig {
            start: Some(start),
            ..SimConfig::new(map.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The robots of `serve --sim N` start where a lap can be driven: on the line, facing along
    //! it. Laps are simulated fast: the physics is stepped with a fixed `dt` and the on-robot
    //! line follower is fed edges and the runtime's 50 Hz tick, as on the robot.

    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use fleet_course::{Point, Surface};
    use fleet_protocol::{LineReading, Pose};
    use robot_agent::behaviour::LineFollower;
    use robot_agent::hal::sim::World;
    use robot_agent::hal::sim::world::edges_between;

    use super::*;
    use crate::actors::mission::LineFollowSpec;
    use crate::actors::mission::course::{LapJudge, Verdict};

    const DT: f64 = 0.01;
    /// The runtime's tick: every other physics step.
    const TICK_EVERY: usize = 2;

    fn point(pose: Pose) -> Point {
        Point::new(pose.x, pose.y)
    }

    #[tokio::test]
    async fn every_robot_of_sim_10_starts_on_the_line_seeing_it() {
        let map = Course::oval();
        let broker = BrokerAddress::parse("mqtt://127.0.0.1:9").unwrap();
        let fleet = SimFleet::start(10, |_| Ok(broker.clone()), map.clone()).unwrap();
        assert_eq!(fleet.sims.len(), 10);
        let half_width = map.line_width() / 2.0;
        for (i, sim) in fleet.sims.iter().enumerate() {
            let pose = sim.pose();
            let off = map.distance_to_line(point(pose));
            assert!(
                off <= half_width,
                "sim-{:02} is {off:.3} m off the line",
                i + 1
            );
            assert!(
                sim.line_reading().middle,
                "sim-{:02}'s middle sensor does not see the line at {pose:?}",
                i + 1
            );
            let along = map.progress(point(pose)).unwrap().along;
            let heading = map.pose_along(along).heading;
            assert!(
                (heading - pose.heading).cos() > 0.97,
                "sim-{:02} does not face along the line: {pose:?}",
                i + 1
            );
        }
        // No two robots share a spot.
        for (i, a) in fleet.sims.iter().enumerate() {
            for b in &fleet.sims[i + 1..] {
                assert!(point(a.pose()).distance_to(point(b.pose())) > 0.3);
            }
        }
        fleet.shutdown().await;
    }

    /// Drives one robot with the on-robot line follower until the lap judge of a one-lap
    /// mission decides, or `limit` simulated seconds pass. Returns the verdict (if any), the
    /// simulated time and the largest distance from the line seen.
    fn drive_one_lap(config: SimConfig, speed: f32, limit: f64) -> (Option<Verdict>, f64, f64) {
        let start = config.start.unwrap_or_else(|| config.map.start());
        let map = Arc::new(config.map);
        let mut world = World::new(map.clone(), start, config.physics);
        let mut follower = LineFollower::new(speed);
        let spec = LineFollowSpec {
            speed,
            laps: 1,
            lost_line_fails: true,
            map: None,
        };
        let mut judge = LapJudge::new(&spec, map);
        let t0 = Instant::now();
        let mut verdict = None;
        let mut max_off = 0.0_f64;
        let mut feed = |world: &mut World, reading: LineReading, verdict: &mut Option<Verdict>| {
            let now = t0 + Duration::from_secs_f64(world.elapsed());
            let step = follower.update(reading, now);
            world.set_motors(step.motors);
            judge.on_pose(&world.pose());
            let at_ms = (world.elapsed() * 1000.0) as i64;
            for event in step.events {
                match judge.on_event(at_ms, &event) {
                    Verdict::Continue => {}
                    decided => *verdict = verdict.take().or(Some(decided)),
                }
            }
        };
        let first = world.line_reading();
        feed(&mut world, first, &mut verdict);
        let mut steps = 0;
        while verdict.is_none() && world.elapsed() < limit {
            let before = world.line_reading();
            let after = world.step(DT);
            steps += 1;
            for (_, _, reading) in edges_between(before, after) {
                feed(&mut world, reading, &mut verdict);
            }
            if steps % TICK_EVERY == 0 {
                feed(&mut world, after, &mut verdict);
            }
            max_off = max_off.max(world.map().distance_to_line(point(world.pose())));
        }
        (verdict, world.elapsed(), max_off)
    }

    #[test]
    fn every_robot_of_sim_10_completes_a_lap_from_where_it_starts() {
        let map = Course::oval();
        let speed = 0.5;
        // At most two laps' driving: out of the finish zone, then round to it again.
        let lap_time = map.line_length() / (f64::from(speed) * fleet_course::TOP_SPEED_MPS);
        for (i, config) in robot_configs(&map, 10).into_iter().enumerate() {
            let (verdict, took, max_off) = drive_one_lap(config, speed, 2.5 * lap_time);
            assert_eq!(
                verdict,
                Some(Verdict::Succeeded("completed 1 lap".into())),
                "sim-{:02} after {took:.1} s",
                i + 1
            );
            assert!(max_off < 0.05, "sim-{:02} strayed {max_off:.3} m", i + 1);
        }
    }

    #[test]
    fn a_robot_started_off_the_line_does_not_complete_a_lap() {
        // The check above can fail: the old start row put robots off the line.
        let map = Course::oval();
        let mut config = SimConfig::new(map.clone());
        config.start = Some(Pose {
            x: 1.2,
            y: 0.6,
            heading: 0.0,
        });
        let (verdict, took, _) = drive_one_lap(config, 0.5, 60.0);
        assert!(
            matches!(verdict, Some(Verdict::Failed(_))),
            "{verdict:?} after {took:.1} s"
        );
        assert!(matches!(
            map.surface_at(Point::new(1.2, 0.6)),
            Surface::Floor
        ));
    }
}
