//! Robot actor behaviour, driven through the fleet: liveness and command acknowledgement.

use std::time::Duration;

use fleet_protocol::{Command, CommandKind, ErrorCode};

use super::fleet::{GetRobot, SendCommand};
use super::messages::{CommandOutcome, FleetChange, Liveness, RobotView};
use super::robot::{ACK_TIMEOUT, LIVENESS_CHECK_EVERY, STALE_AFTER};
use super::test_support::*;
use crate::domain::RecordKind;

async fn view(h: &Harness, id: &str) -> RobotView {
    h.fleet
        .send(GetRobot(robot(id)))
        .await
        .expect("fleet alive")
        .expect("robot known")
}

/// Waits (a bounded number of scheduler turns) until `n` commands were published.
async fn sent_command(h: &Harness, n: usize) -> Command {
    for _ in 0..200 {
        if let Some((_, cmd)) = h.commands.sent.items().get(n - 1) {
            return cmd.clone();
        }
        tokio::task::yield_now().await;
    }
    panic!("command #{n} was never published");
}

fn send(h: &Harness, id: &str, kind: CommandKind) -> tokio::task::JoinHandle<CommandOutcome> {
    let request = h.fleet.send(SendCommand {
        robot: robot(id),
        kind,
    });
    actix::spawn(async move { request.await.expect("fleet alive") })
}

#[actix::test]
async fn a_robot_missing_telemetry_for_stale_after_is_marked_stale_then_online_again() {
    tokio::time::pause();
    let h = start_fleet();
    let mut changes = h.wiring.changes.subscribe();
    h.fleet.do_send(birth("t1"));
    h.fleet.do_send(telemetry("t1", 1));
    assert_eq!(view(&h, "t1").await.state, Liveness::Online);

    tokio::time::sleep(STALE_AFTER - LIVENESS_CHECK_EVERY * 2).await;
    assert_eq!(
        view(&h, "t1").await.state,
        Liveness::Online,
        "stale too early"
    );
    tokio::time::sleep(LIVENESS_CHECK_EVERY * 3).await;
    assert_eq!(view(&h, "t1").await.state, Liveness::Stale);

    h.fleet.do_send(telemetry("t1", 2));
    let v = view(&h, "t1").await;
    assert_eq!(v.state, Liveness::Online);
    assert_eq!(v.telemetry.map(|t| t.seq), Some(2));

    let mut transitions = Vec::new();
    while let Ok(change) = changes.try_recv() {
        if let FleetChange::StateChanged { from, to, .. } = change {
            transitions.push((from, to));
        }
    }
    assert_eq!(
        transitions,
        [
            (Liveness::Offline, Liveness::Online),
            (Liveness::Online, Liveness::Stale),
            (Liveness::Stale, Liveness::Online),
        ]
    );
    let states: Vec<String> = h
        .records
        .items()
        .into_iter()
        .filter(|r| r.kind == RecordKind::State)
        .map(|r| String::from_utf8(r.payload).unwrap())
        .collect();
    assert_eq!(states.len(), 3, "{states:?}");
    assert!(states[1].contains(r#""to":"stale""#), "{states:?}");
    assert_eq!(
        h.saved.items().last().map(|v| v.state),
        Some(Liveness::Online)
    );
}

#[actix::test]
async fn the_last_will_marks_the_robot_offline_and_it_is_never_marked_stale() {
    tokio::time::pause();
    let h = start_fleet();
    h.fleet.do_send(birth("t1"));
    h.fleet.do_send(last_will("t1"));
    tokio::time::sleep(STALE_AFTER * 2).await;
    let v = view(&h, "t1").await;
    assert_eq!(v.state, Liveness::Offline);
    assert_eq!(
        v.status.and_then(|s| s.reason).as_deref(),
        Some("link lost")
    );
}

#[actix::test]
async fn a_command_without_an_ack_times_out_exactly_once() {
    tokio::time::pause();
    let h = start_fleet();
    h.fleet.do_send(birth("t1"));
    let started = tokio::time::Instant::now();
    let outcome = send(&h, "t1", CommandKind::Stop).await.unwrap();
    assert_eq!(outcome, CommandOutcome::TimedOut);
    assert!(started.elapsed() >= ACK_TIMEOUT, "{:?}", started.elapsed());
    assert_eq!(view(&h, "t1").await.pending_commands, 0);

    // A late ack finds nothing to resolve and leaves the next command alone.
    let late = sent_command(&h, 1).await;
    h.fleet.do_send(ack_ok("t1", &late.id));
    let next = send(&h, "t1", CommandKind::Stop);
    let second = sent_command(&h, 2).await;
    assert_ne!(second.id, late.id, "command ids are unique");
    assert_eq!(view(&h, "t1").await.pending_commands, 1);
    h.fleet.do_send(ack_ok("t1", &second.id));
    assert!(matches!(next.await.unwrap(), CommandOutcome::Acked(a) if a.cmd_id == second.id));
}

#[actix::test]
async fn an_ack_is_routed_to_its_pending_command() {
    let h = start_fleet();
    h.fleet.do_send(birth("t1"));
    let first = send(&h, "t1", CommandKind::Stop);
    let second = send(&h, "t1", CommandKind::Estop);
    let cmd1 = sent_command(&h, 1).await;
    let cmd2 = sent_command(&h, 2).await;
    assert_eq!(h.commands.sent.items()[0].0, Some(robot("t1")));
    // Answered out of order: each ack finds its own command.
    h.fleet
        .do_send(ack_error("t1", &cmd2.id, "already estopped"));
    h.fleet.do_send(ack_ok("t1", &cmd1.id));
    assert!(matches!(first.await.unwrap(), CommandOutcome::Acked(a) if a.cmd_id == cmd1.id));
    assert_eq!(
        second.await.unwrap(),
        CommandOutcome::Rejected {
            code: ErrorCode::Estopped,
            message: "already estopped".into()
        }
    );
}

#[actix::test]
async fn a_pending_command_answers_robot_offline_when_the_last_will_arrives() {
    let h = start_fleet();
    h.fleet.do_send(birth("t1"));
    let pending = send(&h, "t1", CommandKind::Stop);
    sent_command(&h, 1).await;
    h.fleet.do_send(last_will("t1"));
    assert_eq!(pending.await.unwrap(), CommandOutcome::RobotOffline);
    // And nothing is published to an offline robot.
    assert_eq!(
        send(&h, "t1", CommandKind::Stop).await.unwrap(),
        CommandOutcome::RobotOffline
    );
    assert_eq!(h.commands.sent.items().len(), 1);
}

#[actix::test]
async fn a_command_to_a_robot_never_seen_is_answered_unknown_robot() {
    let h = start_fleet();
    let outcome =
        tokio::time::timeout(Duration::from_secs(1), send(&h, "ghost", CommandKind::Stop))
            .await
            .expect("answered at once")
            .unwrap();
    assert_eq!(outcome, CommandOutcome::UnknownRobot);
    assert!(h.commands.sent.items().is_empty());
}
