//! A thousand robots: every one must be seen, whether it announced itself with a retained
//! status or only ever sent telemetry, so the fleet never depends on one retained-wildcard
//! snapshot (which some brokers truncate). A few connections publish on behalf of many ids.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use fleet_protocol::{BrokerAddress, RobotId, Telemetry, encode, topic};
use fleet_tests::orchestrator::in_state;
use fleet_tests::raw_mqtt::RawClient;
use fleet_tests::{Broker, TestApp, wait_until};
use orchestrator::broker::BrokerEndpoint;
use rumqttc::QoS;
use tokio::task::JoinHandle;

const ROBOTS: usize = 1000;
const CONNECTIONS: usize = 4;
/// Telemetry rounds: every robot sends one sample per round.
const ROUND: Duration = Duration::from_millis(500);
/// Seeing a thousand robots through one API on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn id(i: usize) -> RobotId {
    RobotId::parse(&format!("r-{i:04}")).expect("valid id")
}

/// Seven robots in ten announce themselves with a retained birth; the rest only send telemetry.
fn has_birth(i: usize) -> bool {
    i % 10 < 7
}

/// Publishes every robot's birth (retained, QoS 1) through `CONNECTIONS` connections.
async fn publish_births(clients: &[RawClient]) {
    for i in (0..ROBOTS).filter(|&i| has_birth(i)) {
        clients[i % clients.len()].announce(&id(i)).await;
    }
}

/// Telemetry for every robot, one round per [`ROUND`], until `running` is cleared.
fn stream_telemetry(clients: Vec<RawClient>, running: Arc<AtomicBool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seq = 0;
        while running.load(Relaxed) {
            seq += 1;
            for i in 0..ROBOTS {
                let sample = encode(&Telemetry::new(seq, seq));
                let client = &clients[i % clients.len()];
                client
                    .publish(&topic::telemetry(&id(i)), sample, QoS::AtMostOnce, false)
                    .await;
            }
            tokio::time::sleep(ROUND).await;
        }
    })
}

/// `CONNECTIONS` clients, each logged in by `login` (a credential per client on the embedded
/// broker: they speak for many robots, as a simulator farm or a gateway would).
async fn connect_all(login: impl Fn(&str) -> BrokerAddress) -> Vec<RawClient> {
    let mut clients = Vec::new();
    for n in 0..CONNECTIONS {
        let name = format!("fleet{n}");
        clients.push(RawClient::connect(&login(&name), &name).await);
    }
    clients
}

/// Waits until the API lists all robots online and checks the fleet's own count agrees.
async fn every_robot_is_listed_online(app: &TestApp) {
    let robots = app
        .wait_for_robots(PATIENCE, "a thousand robots online", |r| {
            r.len() == ROBOTS && in_state(r, "online").len() == ROBOTS
        })
        .await;
    let expected: Vec<String> = (0..ROBOTS).map(|i| id(i).as_str().to_owned()).collect();
    let listed: Vec<String> = robots.iter().map(|r| r.id.as_str().to_owned()).collect();
    assert_eq!(listed, expected);
    let with_status = robots.iter().filter(|r| r.status.is_some()).count();
    assert_eq!(with_status, (0..ROBOTS).filter(|&i| has_birth(i)).count());
    let stats = app.stats().await;
    assert_eq!(stats.fleet.robots, ROBOTS, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_robots_on_the_embedded_broker_are_all_seen() {
    let app = TestApp::spawn(|_| {}).await;
    let births = connect_all(|n| app.client_broker(n)).await;
    publish_births(&births).await;
    let running = Arc::new(AtomicBool::new(true));
    let telemetry = stream_telemetry(connect_all(|n| app.client_broker(n)).await, running.clone());

    every_robot_is_listed_online(&app).await;

    running.store(false, Relaxed);
    telemetry.await.expect("telemetry task");
    let stats = app.stop().await.stats;
    assert_eq!((stats.dropped, stats.lost), (0, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_robots_that_announced_themselves_before_the_orchestrator_started_are_all_seen()
{
    // The births are retained on Mosquitto before the orchestrator subscribes: it learns them
    // from the retained snapshot, the telemetry-only robots from their telemetry.
    let broker = Broker::start().await;
    let births = connect_all(|_| broker.address()).await;
    publish_births(&births).await;
    let sent = (0..ROBOTS).filter(|&i| has_birth(i)).count() as u64;
    wait_until(PATIENCE, "the births to be sent", || {
        births.iter().map(RawClient::sent).sum::<u64>() == sent
    })
    .await;

    let app = TestApp::spawn(|s| {
        s.broker = BrokerEndpoint::External(broker.address());
    })
    .await;
    let running = Arc::new(AtomicBool::new(true));
    let telemetry = stream_telemetry(connect_all(|_| broker.address()).await, running.clone());

    every_robot_is_listed_online(&app).await;

    running.store(false, Relaxed);
    telemetry.await.expect("telemetry task");
    let stats = app.stop().await.stats;
    assert_eq!((stats.dropped, stats.lost), (0, 0), "{stats:?}");
}
