//! The agent's safety stops end to end, through a real Mosquitto: the dead-man timer, the
//! latched emergency stop, a lost or killed link, a broker restart, and clean shutdowns.

use std::time::{Duration, Instant};

use fleet_protocol::{
    Ack, AckResult, CommandKind, ErrorCode, Event, EventKind, RobotState, Status, topic,
};
use fleet_tests::robot_io::{WAIT, drive, is_still, observe, send, wait_event, wait_status};
use fleet_tests::{Broker, Observer, SimRobot, command, spawn_sim_robot, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dead_man_stops_a_robot_whose_drive_commands_stop_arriving() {
    let broker = Broker::start().await;
    let deadman = Duration::from_millis(300);
    let robot = spawn_sim_robot(&broker, "tank-deadman", |cfg, _| cfg.deadman = deadman).await;
    let obs = observe(&broker, &robot).await;

    let sent = Instant::now();
    send(&obs, &robot, "d1", drive(0.5)).await;
    assert!(!is_still(&robot), "driving after the ack");

    let event = wait_event(&obs, &robot, |k| matches!(k, EventKind::DeadmanStop { .. })).await;
    let fired_after = obs
        .on(&topic::events(&robot.id))
        .iter()
        .find(|m| fleet_protocol::decode::<Event>(&m.payload).is_ok_and(|e| e.kind == event.kind))
        .map(|m| m.at - sent);
    assert_eq!(event.kind, EventKind::DeadmanStop { timeout_ms: 300 });
    assert!(is_still(&robot), "motors at 0 after the dead-man stop");
    let fired_after = fired_after.expect("the event was recorded");
    assert!(
        fired_after >= deadman && fired_after < deadman + Duration::from_millis(250),
        "dead-man fired after {fired_after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_link_turns_the_retained_status_offline_through_the_last_will() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-will", |_, _| {}).await;
    let SimRobot { id, agent, sim } = robot;

    agent.kill_link().await.expect("agent stops");

    let late = Observer::connect(&broker, &[&topic::status(&id)]).await;
    let status = wait_status(&late, &id, RobotState::Offline).await;
    assert_eq!(status.reason.as_deref(), Some("link lost"));
    let m = sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_shutdown_stops_the_motors_and_says_offline_shutdown() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-bye", |_, _| {}).await;
    let obs = observe(&broker, &robot).await;
    send(&obs, &robot, "d1", drive(0.5)).await;
    let SimRobot { id, agent, sim } = robot;

    agent.shutdown().await.expect("clean shutdown");

    let status = wait_status(&obs, &id, RobotState::Offline).await;
    assert_eq!(status.reason.as_deref(), Some("shutdown"));
    let m = sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0));
    // A clean DISCONNECT: the will ("link lost") must not overwrite the goodbye.
    let late = Observer::connect(&broker, &[&topic::status(&id)]).await;
    let retained: Status = late
        .wait_for(&topic::status(&id), WAIT, |_: &Status| true)
        .await;
    assert_eq!(retained.reason.as_deref(), Some("shutdown"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_estopped_robot_refuses_to_move_until_released() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-estop", |_, _| {}).await;
    let obs = observe(&broker, &robot).await;
    send(&obs, &robot, "d1", drive(0.5)).await;

    // Through the broadcast path, as the teacher's stop-all does.
    obs.publish(topic::BROADCAST_CMD, command("e1", CommandKind::Estop))
        .await;
    let ack: Ack = obs
        .wait_for(&topic::ack(&robot.id), WAIT, |a: &Ack| {
            a.cmd_id.as_str() == "e1"
        })
        .await;
    assert!(ack.is_ok());
    wait_event(&obs, &robot, |k| *k == EventKind::Estopped).await;
    assert!(is_still(&robot));

    for (id, kind) in [
        ("d2", drive(0.5)),
        ("l1", CommandKind::LineFollow { speed: 0.5 }),
    ] {
        let ack = send(&obs, &robot, id, kind).await;
        assert!(
            matches!(
                ack.result,
                AckResult::Error {
                    code: ErrorCode::Estopped,
                    ..
                }
            ),
            "{ack:?}"
        );
    }
    assert!(is_still(&robot), "refused commands did not move the robot");
    assert!(robot.agent.state().estopped);

    assert!(send(&obs, &robot, "r1", CommandKind::Release).await.is_ok());
    wait_event(&obs, &robot, |k| *k == EventKind::Released).await;
    assert!(send(&obs, &robot, "d3", drive(0.5)).await.is_ok());
    assert!(!is_still(&robot), "driving again after release");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_broker_restart_the_agent_reconnects_and_announces_itself_again_having_stopped() {
    let mut broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-restart", |cfg, _| {
        // Long enough that only the link loss can be what stops the robot.
        cfg.deadman = Duration::from_secs(30);
    })
    .await;
    let obs = observe(&broker, &robot).await;
    send(&obs, &robot, "d1", drive(0.5)).await;
    assert!(!is_still(&robot));

    broker.kill().await;
    wait_until(WAIT, "the agent to notice the link loss", || {
        !robot.agent.state().link_up
    })
    .await;
    assert!(
        is_still(&robot),
        "motors stopped as soon as the link was lost"
    );

    broker.restart().await;
    obs.wait_subscribed(2).await;
    let status: Status = obs
        .wait_for(
            &topic::status(&robot.id),
            Duration::from_secs(10),
            |s: &Status| s.state == RobotState::Online,
        )
        .await;
    assert_eq!(status.id, robot.id);
    wait_event(&obs, &robot, |k| *k == EventKind::LinkLossStop).await;
    wait_until(WAIT, "the agent to listen again", || {
        robot.agent.state().listening
    })
    .await;
    assert!(
        send(&obs, &robot, "d2", drive(0.3)).await.is_ok(),
        "commands work again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_makes_a_running_agent_stop_its_motors_and_say_offline_shutdown() {
    use robot_agent::hal::sim::{self, SimConfig};
    use robot_agent::runtime::{Agent, AgentConfig};

    fleet_tests::init_tracing();
    let broker = Broker::start().await;
    let id = fleet_tests::robot_id("tank-sigterm");
    let obs = Observer::connect(&broker, &[&topic::status(&id), &topic::ack(&id)]).await;
    let (hardware, sim) = sim::spawn(SimConfig::default());
    let mut config = AgentConfig::new(id.clone(), broker.address());
    config.lease = None;
    let agent = Agent::build(config, hardware).unwrap();
    let running = tokio::spawn(agent.run_until_stopped());
    wait_status(&obs, &id, RobotState::Online).await;
    obs.publish(&topic::cmd(&id), command("d1", drive(0.5)))
        .await;
    obs.wait_for(&topic::ack(&id), WAIT, |a: &Ack| a.is_ok())
        .await;

    // The signal goes to this whole test process; the agent's handler is what catches it.
    let pid = std::process::id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(kill.expect("run kill").success());

    tokio::time::timeout(WAIT, running)
        .await
        .expect("the agent stops after SIGTERM")
        .expect("no panic")
        .expect("clean stop");
    let status = wait_status(&obs, &id, RobotState::Offline).await;
    assert_eq!(status.reason.as_deref(), Some("shutdown"));
    let m = sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0));
}
