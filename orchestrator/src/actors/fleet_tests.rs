//! Fleet supervisor behaviour: robots discovered by any message, restart after a crash,
//! broadcast commands with per-robot outcomes, queries.

use actix::Actor;
use fleet_protocol::{CommandId, CommandKind};

use super::fleet::{BroadcastCommand, GetFleetStats, GetRobot, ListRobots, PanicRobot};
use super::messages::{CommandOutcome, FleetChange, Liveness};
use super::test_support::*;

#[actix::test]
async fn a_robot_is_discovered_by_any_first_message_not_only_its_status() {
    let h = start_fleet();
    let mut changes = h.wiring.changes.subscribe();
    h.fleet.do_send(telemetry("by-telemetry", 1));
    h.fleet.do_send(event("by-event"));
    h.fleet
        .do_send(ack_ok("by-ack", &CommandId::parse("x1").unwrap()));
    h.fleet.do_send(birth("by-status"));
    let list = h.fleet.send(ListRobots).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["by-ack", "by-event", "by-status", "by-telemetry"]);
    assert!(list.iter().all(|v| v.last_seen_ms.is_some()));
    let mut added = 0;
    while let Ok(change) = changes.try_recv() {
        if matches!(change, FleetChange::RobotAdded { .. }) {
            added += 1;
        }
    }
    assert_eq!(added, 4);
    let stats = h.fleet.send(GetFleetStats).await.unwrap();
    assert_eq!((stats.robots, stats.routed), (4, 4));
}

#[actix::test]
async fn a_panicking_robot_actor_is_restarted_and_keeps_its_last_state() {
    let h = start_fleet();
    let mut changes = h.wiring.changes.subscribe();
    h.fleet.do_send(birth("t1"));
    h.fleet.do_send(telemetry("t1", 41));
    let before = h.fleet.send(GetRobot(robot("t1"))).await.unwrap().unwrap();
    assert_eq!(before.state, Liveness::Online);

    h.fleet.do_send(PanicRobot(robot("t1")));
    let mut restarted = None;
    for _ in 0..200 {
        match changes.try_recv() {
            Ok(FleetChange::RobotRestarted { restarts, .. }) => {
                restarted = Some(restarts);
                break;
            }
            _ => tokio::task::yield_now().await,
        }
    }
    assert_eq!(restarted, Some(1), "the robot actor was not restarted");

    let after = h.fleet.send(GetRobot(robot("t1"))).await.unwrap().unwrap();
    assert_eq!(after.state, Liveness::Online);
    assert_eq!(after.status, before.status);
    assert_eq!(after.telemetry.as_ref().map(|t| t.seq), Some(41));
    assert_eq!(after.restarts, 1);
    // The new actor is live: it takes messages and answers commands.
    h.fleet.do_send(telemetry("t1", 42));
    let again = h.fleet.send(GetRobot(robot("t1"))).await.unwrap().unwrap();
    assert_eq!(again.telemetry.map(|t| t.seq), Some(42));
    assert_eq!(h.fleet.send(GetFleetStats).await.unwrap().restarts, 1);
}

#[actix::test]
async fn a_broadcast_is_published_once_and_answered_per_robot() {
    let h = start_fleet();
    for id in ["a", "b", "c"] {
        h.fleet.do_send(birth(id));
    }
    h.fleet.do_send(last_will("c"));
    let request = h.fleet.send(BroadcastCommand {
        kind: CommandKind::Estop,
    });
    let pending = actix::spawn(request);
    let mut cmd = None;
    for _ in 0..200 {
        if let Some((target, c)) = h.commands.sent.items().first().cloned() {
            assert_eq!(target, None, "a broadcast goes to fleet/cmd");
            cmd = Some(c);
            break;
        }
        tokio::task::yield_now().await;
    }
    let cmd = cmd.expect("the broadcast was published");
    h.fleet.do_send(ack_ok("a", &cmd.id));
    h.fleet.do_send(ack_error("b", &cmd.id, "no"));
    let result = pending.await.unwrap().unwrap();
    assert_eq!(result.cmd_id, cmd.id);
    assert_eq!(
        h.commands.sent.items().len(),
        1,
        "one publish for the fleet"
    );
    let outcomes: Vec<(&str, &CommandOutcome)> = result
        .outcomes
        .iter()
        .map(|(id, o)| (id.as_str(), o))
        .collect();
    assert!(matches!(outcomes[0], ("a", CommandOutcome::Acked(_))));
    assert!(matches!(
        outcomes[1],
        ("b", CommandOutcome::Rejected { .. })
    ));
    assert_eq!(outcomes[2], ("c", &CommandOutcome::RobotOffline));
}

#[actix::test]
async fn a_full_fleet_drops_messages_naming_new_robots_and_keeps_serving_known_ones() {
    let h = start_fleet();
    let fleet = super::fleet::FleetActor::new(h.wiring.clone())
        .with_max_robots(3)
        .start();
    for i in 0..10 {
        fleet.do_send(telemetry(&format!("r{i}"), 1));
    }
    fleet.do_send(telemetry("r0", 2));
    let list = fleet.send(ListRobots).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["r0", "r1", "r2"]);
    assert_eq!(list[0].telemetry.as_ref().map(|t| t.seq), Some(2));
    let stats = fleet.send(GetFleetStats).await.unwrap();
    assert_eq!((stats.robots, stats.routed, stats.refused_new), (3, 4, 7));
}
