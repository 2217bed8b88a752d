//! The embedded broker against real clients: retained snapshots, last wills, latency.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use fleet_protocol::{Backend, RobotId, Status, TopicKind, encode, topic};
use rumqttc::{LastWill, QoS};

use super::EmbeddedBroker;
use super::test_client::connect;

fn start_broker() -> EmbeddedBroker {
    EmbeddedBroker::start("127.0.0.1:0".parse().unwrap()).expect("broker starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_wildcard_subscriber_gets_every_retained_status_of_300_robots() {
    let broker = start_broker();
    let addr = broker.address();
    let publisher = connect(&addr, "publisher", None).await;
    for n in 0..300 {
        let id = RobotId::parse(&format!("tank-{n}")).unwrap();
        let status = Status::online(id.clone(), "0.1.0", Backend::Sim, vec![], n);
        publisher
            .client
            .publish(topic::status(&id), QoS::AtLeastOnce, true, encode(&status))
            .await
            .unwrap();
    }
    // A marker published after the statuses, on the same connection, proves they all reached
    // the broker before the late subscriber arrives.
    let mut marker = connect(&addr, "marker", None).await;
    marker.subscribe("done", QoS::AtLeastOnce).await;
    publisher
        .client
        .publish("done", QoS::AtLeastOnce, false, "x")
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), marker.inbox.recv())
        .await
        .expect("marker arrives");

    let mut late = connect(&addr, "late-subscriber", None).await;
    late.subscribe(&TopicKind::Status.wildcard(), QoS::AtLeastOnce)
        .await;
    let mut seen = HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 300 {
        match tokio::time::timeout_at(deadline, late.inbox.recv()).await {
            Ok(Some(p)) => {
                assert!(p.retain, "{} arrived without the retain flag", p.topic);
                seen.insert(p.topic);
            }
            _ => break,
        }
    }
    assert_eq!(
        seen.len(),
        300,
        "the late subscriber missed retained statuses"
    );
    broker.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_will_fires_when_a_client_connection_dies() {
    let broker = start_broker();
    let addr = broker.address();
    let id = RobotId::parse("tank-will").unwrap();
    let birth = Status::online(id.clone(), "0.1.0", Backend::Sim, vec![], 1);
    let will = birth.offline("link lost", 2);
    let mut watcher = connect(&addr, "watcher", None).await;
    watcher
        .subscribe(&topic::status(&id), QoS::AtLeastOnce)
        .await;
    let will_msg = LastWill::new(topic::status(&id), encode(&will), QoS::AtLeastOnce, true);
    let robot = connect(&addr, "tank-will", Some(will_msg)).await;
    robot
        .client
        .publish(topic::status(&id), QoS::AtLeastOnce, true, encode(&birth))
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), watcher.inbox.recv())
        .await
        .expect("birth arrives")
        .unwrap();
    assert_eq!(
        fleet_protocol::decode::<Status>(&first.payload).unwrap(),
        birth
    );

    robot.task.abort();
    drop(robot.client);
    let got = tokio::time::timeout(Duration::from_secs(5), watcher.inbox.recv())
        .await
        .expect("the will arrives within 5 s")
        .unwrap();
    assert_eq!(
        fleet_protocol::decode::<Status>(&got.payload).unwrap(),
        will
    );
    broker.shutdown();
}

/// Guards against a Nagle regression (a client or the broker without TCP_NODELAY makes this
/// ~40-90 ms); a bound for correctness, not a benchmark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qos1_echo_round_trip_through_the_broker_takes_milliseconds() {
    let broker = start_broker();
    let addr = broker.address();
    let mut echo = connect(&addr, "echo", None).await;
    echo.subscribe("bench/ping", QoS::AtLeastOnce).await;
    let echo_client = echo.client.clone();
    // Answers from a task of its own, never from the one polling the event loop.
    let echo_task = tokio::spawn(async move {
        while let Some(p) = echo.inbox.recv().await {
            let _ = echo_client
                .publish("bench/pong", QoS::AtLeastOnce, false, p.payload)
                .await;
        }
    });
    let mut pinger = connect(&addr, "pinger", None).await;
    pinger.subscribe("bench/pong", QoS::AtLeastOnce).await;
    // The first rounds warm up connections and allocations; they are not measured.
    let mut rtts = Vec::new();
    for n in 0..60u32 {
        let sent = Instant::now();
        pinger
            .client
            .publish(
                "bench/ping",
                QoS::AtLeastOnce,
                false,
                n.to_be_bytes().to_vec(),
            )
            .await
            .unwrap();
        let pong = tokio::time::timeout(Duration::from_secs(5), pinger.inbox.recv())
            .await
            .expect("pong within 5 s")
            .unwrap();
        assert_eq!(&pong.payload[..], &n.to_be_bytes()[..]);
        if n >= 10 {
            rtts.push(sent.elapsed());
        }
    }
    rtts.sort();
    let median = rtts[rtts.len() / 2];
    eprintln!(
        "QoS1 echo round trip: median {:?}, max {:?}",
        median,
        rtts[rtts.len() - 1]
    );
    assert!(median < Duration::from_millis(10), "median {median:?}");
    echo_task.abort();
    broker.shutdown();
}

#[test]
fn a_busy_port_gives_a_bind_error_that_names_the_address() {
    let first = start_broker();
    let err = EmbeddedBroker::start(first.local_addr()).unwrap_err();
    assert!(
        err.to_string().contains(&first.local_addr().to_string()),
        "{err}"
    );
}
