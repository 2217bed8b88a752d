//! The project's agents in game mode on the simulated arena, in this process: each runs the real
//! agent and its game player over a simulated RaspTank seated in one shared [`SimArena`], so
//! their IR shots reach each other.

use std::time::Duration;

use fleet_course::Course;
use fleet_protocol::Pose;
use orchestrator::broker::Principal;
use robot_agent::game::{GamePlayer, GamePlayerHandle};
use robot_agent::hal::sim::{self, ArenaSeat, SimArena, SimConfig, SimHandle};
use robot_agent::runtime::{AgentConfig, AgentHandle};

use crate::{TestApp, init_tracing, robot_id, start_agent, wait_until};

pub struct GameAgent {
    pub id: String,
    pub agent: AgentHandle,
    pub sim: SimHandle,
    pub player: GamePlayerHandle,
}

impl GameAgent {
    /// Puts the robot down at (x, y) facing `heading_deg`, as a person moves a robot by hand.
    pub fn place(&self, x: f64, y: f64, heading_deg: f64) {
        self.sim.set_pose(Pose {
            x,
            y,
            heading: heading_deg.to_radians(),
        });
    }

    /// Waits until the master's answers to this robot include `payload` at least `count` times.
    pub async fn wait_heard(&self, payload: &str, count: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let state = self.player.state();
            if state.heard.iter().filter(|p| *p == payload).count() >= count {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} waited for {payload} x{count}: {state:?}",
                self.id
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Starts one agent in game mode (`id` = `0x` + 12 hex digits) on the arena at `start`, its
/// game connection with a legacy credential of its own (`<id>-game`), and waits until it has
/// registered with the game master.
pub async fn spawn_game_agent(app: &TestApp, id: &str, arena: &SimArena, start: Pose) -> GameAgent {
    init_tracing();
    let mac = u64::from_str_radix(id.trim_start_matches("0x"), 16).expect("a hex id");
    let mut config = SimConfig::new(Course::arena());
    config.start = Some(start);
    config.arena = Some(ArenaSeat {
        arena: arena.clone(),
        mac,
    });
    let (mut hardware, sim) = sim::spawn(config);
    let game_broker = app
        .access
        .login(
            &app.broker,
            &format!("{id}-game"),
            Principal::Legacy(robot_id(id)),
        )
        .expect("issue the game connection's credential");
    let player = GamePlayer::attach(id, &mut hardware)
        .expect("a course-style id")
        .spawn(&game_broker);
    let agent = start_agent(
        AgentConfig::new(robot_id(id), app.robot_broker(id)),
        hardware,
    )
    .await;
    let robot = GameAgent {
        id: id.to_owned(),
        agent,
        sim,
        player,
    };
    let what = format!("{id} to register");
    wait_until(Duration::from_secs(10), &what, || {
        robot.player.state().registered
    })
    .await;
    robot
}
