//! The enable lease on the controller alone, with tokio's clock paused: a silent orchestrator
//! stops every motion exactly one lease after its last heartbeat, and nothing moves again
//! until a new command arrives after the heartbeat is back.

use std::time::Duration;

use fleet_protocol::{AckResult, CommandKind, ErrorCode, EventKind, LineReading, RobotMode};

use super::controller_tests::{out, rig_with_lease};

const ON_LINE: LineReading = LineReading {
    left: false,
    middle: true,
    right: false,
};

fn moving(m: fleet_protocol::MotorOutput) -> bool {
    m.left != 0.0 || m.right != 0.0
}

#[tokio::test(start_paused = true)]
async fn a_line_follower_stops_one_lease_after_the_last_heartbeat_and_waits_for_a_new_command() {
    let mut rig = rig_with_lease(500, Some(500)).await;
    rig.probe.set_line(ON_LINE);
    rig.beat(1).await;
    rig.command("f1", CommandKind::LineFollow { speed: 0.5 })
        .await;
    assert_eq!(rig.mode(), RobotMode::LineFollow);
    // Heard every 100 ms for a second: the follower keeps driving (past the 500 ms dead-man,
    // which is for manual driving only).
    for seq in 2..12 {
        tokio::time::sleep(Duration::from_millis(99)).await;
        rig.beat(seq).await;
        assert!(moving(rig.probe.motors()), "still following at beat {seq}");
    }
    rig.published();

    // The orchestrator freezes: no beat from here on.
    tokio::time::sleep(Duration::from_millis(498)).await;
    assert!(
        moving(rig.probe.motors()),
        "498 ms after the last beat the lease still holds"
    );
    tokio::time::sleep(Duration::from_millis(3)).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0), "stopped at 500 ms");
    assert_eq!(rig.mode(), RobotMode::Idle);
    assert!(!rig.state.borrow().enabled);
    let (_, events) = rig.split();
    assert_eq!(
        events,
        [EventKind::LineFollowStopped {
            reason: "lease expired".into()
        }]
    );

    // Silent for 2 s in all; the beat comes back: the lapse is reported, nothing moves.
    tokio::time::sleep(Duration::from_millis(1498)).await;
    rig.beat(12).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0), "no motion by itself");
    let (_, events) = rig.split();
    assert_eq!(
        events,
        [EventKind::LeaseExpired {
            lease_ms: 500,
            silent_ms: 2000
        }]
    );

    rig.beat(13).await;
    rig.command("f2", CommandKind::LineFollow { speed: 0.5 })
        .await;
    assert!(moving(rig.probe.motors()), "a new command moves it again");
    let (acks, _) = rig.split();
    assert!(acks.iter().all(|a| a.is_ok()), "{acks:?}");
}

#[tokio::test(start_paused = true)]
async fn a_manual_drive_stops_at_the_lease_even_with_a_longer_dead_man() {
    let mut rig = rig_with_lease(5_000, Some(300)).await;
    rig.beat(1).await;
    let drive = CommandKind::Drive {
        speed: 0.5,
        turn: 0.0,
    };
    rig.command("d1", drive.clone()).await;
    assert_eq!(rig.probe.motors(), out(0.5, 0.5));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    // A drive repeated during the silence is refused, with a reason a person can act on.
    rig.published();
    rig.command("d2", drive).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    let (acks, _) = rig.split();
    match &acks[0].result {
        AckResult::Error { code, message } => {
            assert_eq!(*code, ErrorCode::NotEnabled);
            assert!(message.contains("ROBOT_AGENT_LEASE_MS=0"), "{message}");
        }
        AckResult::Ok => panic!("a drive without the lease was accepted"),
    }
}

#[tokio::test(start_paused = true)]
async fn motion_waits_for_the_first_heartbeat_but_a_stop_or_a_servo_never_does() {
    let mut rig = rig_with_lease(500, Some(500)).await;
    assert!(!rig.state.borrow().enabled);
    rig.command("f1", CommandKind::LineFollow { speed: 0.5 })
        .await;
    rig.command(
        "d0",
        CommandKind::Drive {
            speed: 0.0,
            turn: 0.0,
        },
    )
    .await;
    rig.command("s1", CommandKind::Stop).await;
    rig.command(
        "v1",
        CommandKind::Servo {
            joint: fleet_protocol::Joint::Claw,
            angle: 45.0,
        },
    )
    .await;
    let (acks, _) = rig.split();
    let codes: Vec<Option<ErrorCode>> = acks
        .iter()
        .map(|a| match &a.result {
            AckResult::Error { code, .. } => Some(*code),
            AckResult::Ok => None,
        })
        .collect();
    assert_eq!(codes, [Some(ErrorCode::NotEnabled), None, None, None]);
    assert_eq!(rig.mode(), RobotMode::Idle);

    rig.beat(1).await;
    assert!(rig.state.borrow().enabled);
    // A robot that was never enabled has no lapse to report when its first beat arrives.
    let (_, events) = rig.split();
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test(start_paused = true)]
async fn a_forged_heartbeat_enables_nothing() {
    let mut rig = rig_with_lease(500, Some(500)).await;
    rig.payload(fleet_protocol::topic::heartbeat(), b"{\"v\":1}".to_vec())
        .await;
    assert!(!rig.state.borrow().enabled);
    assert_eq!(rig.counters.snapshot().payloads_dropped, 1);
    rig.published();
}

#[tokio::test(start_paused = true)]
async fn a_fleet_command_renews_the_lease_like_a_heartbeat_but_a_robot_command_does_not() {
    use fleet_protocol::{Command, CommandId, encode, topic};
    let fleet_stop = |id: &str| {
        encode(&Command::new(
            CommandId::parse(id).unwrap(),
            CommandKind::Stop,
        ))
    };
    let mut rig = rig_with_lease(500, Some(500)).await;
    rig.beat(1).await;
    // No beat for two leases, only fleet-wide commands every 300 ms: the robot stays enabled.
    for n in 0..6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        rig.payload(topic::BROADCAST_CMD, fleet_stop(&format!("all-{n}")))
            .await;
        assert!(
            rig.state.borrow().enabled,
            "enabled after fleet command {n}"
        );
    }
    // Commands on its own topic are not the orchestrator's word that it is alive (a student
    // may publish there): the lease lapses 500 ms after the last fleet command.
    for n in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        rig.command(&format!("own-{n}"), CommandKind::Stop).await;
    }
    assert!(
        !rig.state.borrow().enabled,
        "lapsed without a beat or a fleet command"
    );
    // An unreadable payload on the fleet topic renews nothing.
    rig.payload(topic::BROADCAST_CMD, b"{\"v\":1}".to_vec())
        .await;
    assert!(!rig.state.borrow().enabled);
    rig.payload(topic::BROADCAST_CMD, fleet_stop("all-back"))
        .await;
    assert!(
        rig.state.borrow().enabled,
        "a readable fleet command enables again"
    );
    let (_, events) = rig.split();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventKind::LeaseExpired { lease_ms: 500, .. })),
        "the lapse is reported when the orchestrator is heard again: {events:?}"
    );
}
