//! The robot agent end to end: a real Mosquitto, a simulated robot running the real agent, and
//! a test client that talks to it only through MQTT, as the orchestrator will. Safety stops
//! (dead-man, estop, link loss, shutdown) are in `agent_safety.rs`.

use std::time::{Duration, Instant};

use fleet_protocol::{
    Ack, AckResult, Capability, CommandKind, ErrorCode, Event, EventKind, Joint, RobotMode,
    RobotState, Telemetry, topic,
};
use fleet_tests::robot_io::{WAIT, drive, is_still, observe, send, wait_event, wait_status};
use fleet_tests::{Broker, Observer, command, spawn_sim_robot, wait_until};
use robot_agent::hal::sim::JointLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_subscriber_sees_the_retained_birth_status() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-birth", |_, _| {}).await;

    let late = Observer::connect(&broker, &[&topic::status(&robot.id)]).await;
    let status = wait_status(&late, &robot.id, RobotState::Online).await;

    assert_eq!(status.id, robot.id);
    assert_eq!(status.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(status.backend, fleet_protocol::Backend::Sim);
    for cap in [Capability::Drive, Capability::LineFollow, Capability::Pose] {
        assert!(
            status.capabilities.contains(&cap),
            "{cap:?} missing: {status:?}"
        );
    }
    assert!(
        late.on(&topic::status(&robot.id))[0].retain,
        "birth must be retained"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drive_command_moves_the_simulated_robot_and_is_acknowledged() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-drive", |_, _| {}).await;
    let obs = observe(&broker, &robot).await;
    let start = robot.sim.pose();

    let ack = send(&obs, &robot, "d1", drive(0.8)).await;

    assert_eq!(ack.result, AckResult::Ok);
    wait_until(WAIT, "the robot to move 2 cm", || {
        robot.sim.distance_travelled() > 0.02
    })
    .await;
    assert!(robot.sim.pose().x > start.x, "driving forward along +x");
    let t: Telemetry = obs
        .wait_for(&topic::telemetry(&robot.id), WAIT, |t: &Telemetry| {
            t.mode == RobotMode::Driving && t.motors.left > 0.0
        })
        .await;
    assert!(t.pose.is_some(), "the simulator reports its pose");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_hostile_commands_are_answered_or_counted_and_the_agent_keeps_running() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-hostile", |_, sim| {
        let claw = JointLimits {
            min: 0.0,
            max: 90.0,
        };
        sim.servo_limits = sim.servo_limits.clone().with(Joint::Claw, claw);
    })
    .await;
    let obs = observe(&broker, &robot).await;
    let cmd = topic::cmd(&robot.id);

    // Unreadable, no id: counted, reported as an event, no ack possible.
    obs.publish(&cmd, b"{not json".to_vec()).await;
    wait_event(&obs, &robot, |k| {
        matches!(k, EventKind::CommandDropped { .. })
    })
    .await;

    // Readable id, unknown kind: an error ack saying malformed.
    obs.publish(&cmd, br#"{"v":1,"id":"u1","kind":"fly"}"#.to_vec())
        .await;
    let ack: Ack = obs
        .wait_for(&topic::ack(&robot.id), WAIT, |a: &Ack| {
            a.cmd_id.as_str() == "u1"
        })
        .await;
    assert!(
        matches!(&ack.result, AckResult::Error { code: ErrorCode::Malformed, message } if message.contains("fly")),
        "{ack:?}"
    );

    // Outside the protocol's range, then outside this robot's claw travel.
    let servo = |angle| CommandKind::Servo {
        joint: Joint::Claw,
        angle,
    };
    let ack = send(&obs, &robot, "s1", servo(200.0)).await;
    assert_eq!(
        ack.result,
        AckResult::Error {
            code: ErrorCode::OutOfRange,
            message: "angle = 200 is out of range 0..180".into()
        }
    );
    let ack = send(&obs, &robot, "s2", servo(120.0)).await;
    assert_eq!(
        ack.result,
        AckResult::Error {
            code: ErrorCode::OutOfRange,
            message: "servo angle 120 out of range 0..90".into()
        }
    );

    // Oversized: dropped before parsing, counted.
    let huge = format!(
        r#"{{"v":1,"id":"big","kind":"stop","pad":"{}"}}"#,
        "x".repeat(20_000)
    );
    obs.publish(&cmd, huge.into_bytes()).await;
    wait_until(WAIT, "two dropped payloads", || {
        robot.agent.stats().payloads_dropped == 2
    })
    .await;

    // Still alive and obeying.
    let ack = send(&obs, &robot, "ok1", servo(45.0)).await;
    assert_eq!(ack.result, AckResult::Ok);
    let stats = robot.agent.stats();
    assert_eq!(
        (
            stats.commands_ok,
            stats.commands_err,
            stats.payloads_dropped
        ),
        (1, 3, 2)
    );
    assert!(
        obs.decoded::<Ack>(&topic::ack(&robot.id))
            .iter()
            .all(|a| a.cmd_id.as_str() != "big")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_following_over_mqtt_crosses_the_finish_zone() {
    let broker = Broker::start().await;
    let robot = spawn_sim_robot(&broker, "tank-follow", |_, sim| sim.time_scale = 2.0).await;
    let obs = observe(&broker, &robot).await;

    assert!(
        send(&obs, &robot, "f1", CommandKind::LineFollow { speed: 0.5 })
            .await
            .is_ok()
    );

    let events = topic::events(&robot.id);
    let long = Duration::from_secs(30);
    obs.wait_for(&events, long, |e: &Event| e.kind == EventKind::ZoneEntered)
        .await;
    obs.wait_for(&events, long, |e: &Event| e.kind == EventKind::ZoneLeft)
        .await;
    let kinds: Vec<EventKind> = obs
        .decoded::<Event>(&events)
        .into_iter()
        .map(|e| e.kind)
        .collect();
    let pos = |k: &EventKind| kinds.iter().position(|x| x == k);
    assert!(pos(&EventKind::LineFollowStarted) < pos(&EventKind::ZoneEntered));
    assert!(pos(&EventKind::ZoneEntered) < pos(&EventKind::ZoneLeft));
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, EventKind::LineEdge { .. })),
        "edges published"
    );

    assert!(send(&obs, &robot, "s1", CommandKind::Stop).await.is_ok());
    let stopped = wait_event(&obs, &robot, |k| {
        matches!(k, EventKind::LineFollowStopped { .. })
    })
    .await;
    assert_eq!(
        stopped.kind,
        EventKind::LineFollowStopped {
            reason: "stop command".into()
        }
    );
    assert!(is_still(&robot));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drive_command_reaches_the_motors_within_milliseconds_through_the_broker() {
    // Nagle's algorithm anywhere on the path costs ~40 ms per message (DESIGN.md); the whole
    // path with TCP_NODELAY everywhere is well under a millisecond on loopback.
    let broker = Broker::start().await;
    let mut robot = fleet_tests::spawn_fake_robot(&broker, "tank-latency", |c| {
        c.deadman = Duration::from_secs(60);
    })
    .await;
    let publisher = Observer::connect(&broker, &[]).await;
    let mut latencies = Vec::new();
    for i in 0..60 {
        let speed = if i % 2 == 0 { 0.5 } else { 0.25 };
        let sent = Instant::now();
        publisher
            .publish(
                &topic::cmd(&robot.id),
                command(&format!("l{i}"), drive(speed)),
            )
            .await;
        let call = tokio::time::timeout(WAIT, robot.probe.motor_calls.recv())
            .await
            .expect("actuated")
            .expect("agent running");
        assert_eq!(call.output.left, speed);
        if i >= 10 {
            latencies.push(call.at - sent);
        }
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(
        median < Duration::from_millis(5),
        "median command latency {median:?}"
    );
}
