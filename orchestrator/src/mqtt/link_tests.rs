//! The link against the real embedded broker: routing, hostile traffic, commands and acks,
//! resubscription after a broker restart.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use fleet_protocol::{
    Ack, Backend, BrokerAddress, Command, CommandKind, RobotId, Status, Telemetry, encode, topic,
};
use rumqttc::QoS;

use super::{DropReason, MqttLink};
use crate::actors::seams::Captured;
use crate::actors::{
    BroadcastCommand, CommandOutcome, Discard, FleetActor, FleetWiring, GetRobot, ListRobots,
    SendCommand,
};
use crate::broker::EmbeddedBroker;
use crate::broker::test_client::{TestClient, connect};
use crate::domain::{Record, RecordKind};

struct Setup {
    broker: EmbeddedBroker,
    link: MqttLink,
    fleet: Addr<FleetActor>,
    records: Arc<Captured<Record>>,
}

/// A broker, a link subscribed to it (so no retained message arrives twice: once on
/// subscribing and once live), and a fleet behind the link.
async fn start() -> Setup {
    let broker = EmbeddedBroker::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let records = Arc::new(Captured::<Record>::default());
    let mut link = MqttLink::start(&broker.address(), records.clone());
    let wiring = FleetWiring::new(
        Arc::new(link.publisher()),
        records.clone(),
        Arc::new(Discard),
    );
    let fleet = FleetActor::new(wiring).start();
    link.route_to(fleet.clone().recipient());
    assert!(
        link.wait_subscribed(Duration::from_secs(10)).await,
        "the link never subscribed"
    );
    Setup {
        broker,
        link,
        fleet,
        records,
    }
}

fn id(s: &str) -> RobotId {
    RobotId::parse(s).unwrap()
}

fn birth(robot: &str) -> Vec<u8> {
    encode(&Status::online(id(robot), "0.1.0", Backend::Sim, vec![], 1))
}

/// Publishes a retained birth and waits until the fleet knows the robot, which proves the
/// link is connected and subscribed.
async fn announce(client: &TestClient, fleet: &Addr<FleetActor>, robot: &str) {
    client
        .client
        .publish(
            topic::status(&id(robot)),
            QoS::AtLeastOnce,
            true,
            birth(robot),
        )
        .await
        .unwrap();
    for _ in 0..500 {
        if fleet.send(GetRobot(id(robot))).await.unwrap().is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the fleet never saw {robot}");
}

/// A simulated robot's command handling: acks every command it receives, from its own task.
fn answer_commands(mut robot: TestClient, robot_id: RobotId) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(p) = robot.inbox.recv().await {
            let Ok(cmd) = Command::parse(&p.payload) else {
                continue;
            };
            let ack = Ack::ok(cmd.id, 9);
            let _ = robot
                .client
                .publish(topic::ack(&robot_id), QoS::AtLeastOnce, false, encode(&ack))
                .await;
        }
    })
}

#[actix::test]
async fn valid_robot_messages_reach_the_fleet_and_hostile_ones_are_counted_and_dropped() {
    let s = start().await;
    let robot = connect(&s.broker.address(), "t1", None).await;
    announce(&robot, &s.fleet, "t1").await;
    let huge = vec![b'x'; fleet_protocol::MAX_PAYLOAD_BYTES + 1];
    let hostile: [(&str, Vec<u8>); 6] = [
        ("robots/bad id/status", birth("t1")),
        ("robots/t\u{e9}/telemetry", encode(&Telemetry::new(1, 1))),
        ("robots/t1/telemetry", b"{not json".to_vec()),
        ("robots/t1/telemetry", huge),
        (
            "robots/t1/events",
            br#"{"v":99,"seq":1,"ts_ms":1,"kind":"line_lost"}"#.to_vec(),
        ),
        ("robots/t2/status", birth("t1")),
    ];
    for (t, payload) in hostile {
        robot
            .client
            .publish(t, QoS::AtLeastOnce, false, payload)
            .await
            .unwrap();
    }
    let tel = encode(&Telemetry::new(7, 7));
    robot
        .client
        .publish(
            topic::telemetry(&id("t1")),
            QoS::AtMostOnce,
            false,
            tel.clone(),
        )
        .await
        .unwrap();

    let mut stats = s.link.stats();
    for _ in 0..500 {
        stats = s.link.stats();
        if stats.received >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!((stats.received, stats.accepted), (8, 2), "{stats:?}");
    assert_eq!(stats.dropped[&DropReason::BadRobotId], 2);
    assert_eq!(stats.dropped[&DropReason::MalformedPayload], 1);
    assert_eq!(stats.dropped[&DropReason::PayloadTooLarge], 1);
    assert_eq!(stats.dropped[&DropReason::WrongVersion], 1);
    assert_eq!(stats.dropped[&DropReason::IdMismatch], 1);
    assert_eq!(stats.dropped_total(), 6);

    let robots = s.fleet.send(ListRobots).await.unwrap();
    assert_eq!(robots.len(), 1, "only the valid robot exists: {robots:?}");
    assert_eq!(robots[0].telemetry.as_ref().map(|t| t.seq), Some(7));
    let raw: Vec<(RecordKind, Vec<u8>)> = s
        .records
        .items()
        .into_iter()
        .filter(|r| matches!(r.kind, RecordKind::Status | RecordKind::Telemetry))
        .map(|r| (r.kind, r.payload))
        .collect();
    assert_eq!(
        raw,
        [
            (RecordKind::Status, birth("t1")),
            (RecordKind::Telemetry, tel)
        ],
        "valid messages are recorded raw, hostile ones not at all"
    );
}

#[actix::test]
async fn a_command_through_the_fleet_reaches_the_robot_and_its_ack_comes_back() {
    let s = start().await;
    let mut robot = connect(&s.broker.address(), "t1", None).await;
    robot
        .subscribe(&topic::cmd(&id("t1")), QoS::AtLeastOnce)
        .await;
    robot
        .subscribe(topic::BROADCAST_CMD, QoS::AtLeastOnce)
        .await;
    announce(&robot, &s.fleet, "t1").await;
    let responder = answer_commands(robot, id("t1"));

    let outcome = s
        .fleet
        .send(SendCommand {
            robot: id("t1"),
            kind: CommandKind::Stop,
        })
        .await
        .unwrap();
    let CommandOutcome::Acked(ack) = outcome else {
        panic!("expected an ack, got {outcome:?}");
    };
    let broadcast = s
        .fleet
        .send(BroadcastCommand {
            kind: CommandKind::Estop,
        })
        .await
        .unwrap();
    assert!(
        matches!(&broadcast.outcomes[..], [(r, CommandOutcome::Acked(_))] if *r == id("t1")),
        "{broadcast:?}"
    );
    assert_eq!(s.link.stats().published, 2);
    let commands: Vec<(Option<RobotId>, String)> = s
        .records
        .items()
        .into_iter()
        .filter(|r| r.kind == RecordKind::Command)
        .map(|r| (r.robot, r.topic))
        .collect();
    assert_eq!(
        commands,
        [
            (Some(id("t1")), topic::cmd(&id("t1"))),
            (None, topic::BROADCAST_CMD.to_owned())
        ]
    );
    assert!(s.records.items().iter().any(|r| r.kind == RecordKind::Ack
        && Command::parse(&r.payload).is_err()
        && String::from_utf8_lossy(&r.payload).contains(ack.cmd_id.as_str())));
    responder.abort();
}

#[actix::test]
async fn the_link_reconnects_and_resubscribes_after_the_broker_restarts() {
    let s = start().await;
    let port = s.broker.port();
    let first = connect(&s.broker.address(), "t1", None).await;
    announce(&first, &s.fleet, "t1").await;
    first.task.abort();
    s.broker.shutdown();

    let broker = EmbeddedBroker::start(([127, 0, 0, 1], port).into()).expect("same port again");
    for _ in 0..1000 {
        if s.link.stats().connects >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(s.link.stats().connects >= 2, "{:?}", s.link.stats());
    let second = connect(&BrokerAddress::new("127.0.0.1", port), "t2", None).await;
    // Announced after the reconnect: only a fresh subscription can deliver it.
    announce(&second, &s.fleet, "t2").await;
    broker.shutdown();
}

#[actix::test]
async fn the_link_reports_subscribed_only_once_the_broker_confirmed_it() {
    let s = start().await;
    assert!(s.link.wait_subscribed(Duration::from_secs(10)).await);
    // Published right after the wait: no retain, so only a live subscription can deliver it.
    let robot = connect(&s.broker.address(), "late-telemetry", None).await;
    let sample = Telemetry::new(1, 1);
    robot
        .client
        .publish(
            topic::telemetry(&id("late")),
            QoS::AtMostOnce,
            false,
            encode(&sample),
        )
        .await
        .unwrap();
    for _ in 0..500 {
        if s.fleet.send(GetRobot(id("late"))).await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(s.fleet.send(GetRobot(id("late"))).await.unwrap().is_some());

    // A link to a port where no broker listens never reports subscribed.
    let nowhere = BrokerAddress::new("127.0.0.1", s.broker.port());
    s.broker.shutdown();
    let mut orphan = MqttLink::start(&nowhere, Arc::new(Discard));
    orphan.route_to(s.fleet.clone().recipient());
    assert!(!orphan.wait_subscribed(Duration::from_millis(500)).await);
}
