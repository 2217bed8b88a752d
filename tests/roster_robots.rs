//! Robot enrollment end to end (issue 9, items 2 and 7): `robots enroll` through the API
//! issues a credential the real agent connects with (its settings as printed), the credential
//! survives a restart, a revoke cuts the robot off within a second, and ids that are not
//! enrolled never become robots however many publish.

use std::time::{Duration, Instant};

use fleet_protocol::{BrokerAddress, Credentials, Telemetry, encode, topic};
use fleet_tests::db::Recording;
use fleet_tests::raw_mqtt::RawClient;
use fleet_tests::{TestApp, robot_id, spawn_sim_robot_on, wait_until};
use orchestrator::contract::roster::{Enrolled, Throttled};
use rumqttc::QoS;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

async fn enroll(app: &TestApp, robot: &str) -> Enrolled {
    let reply = app
        .post(&format!("/api/robots/{robot}/enroll"), &json!(null))
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.json()
}

/// The broker address an agent builds from the printed `KEY=value` settings.
fn from_settings(settings: &str) -> (String, BrokerAddress) {
    let value = |key: &str| {
        settings
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {settings}"))
            .to_owned()
    };
    let mut broker = BrokerAddress::parse(&value("ROBOT_AGENT_BROKER")).expect("a broker URL");
    broker.credentials = Some(Credentials {
        username: value("ROBOT_AGENT_BROKER_USER"),
        password: value("ROBOT_AGENT_BROKER_PASSWORD"),
    });
    (value("ROBOT_AGENT_ID"), broker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_robot_connects_with_its_printed_settings_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("class.db");
    let app = TestApp::spawn(|s| s.db = db.clone()).await;
    let enrolled = enroll(&app, "bot-7").await;
    let settings = enrolled.env_file();
    assert_eq!(settings.lines().count(), 4, "{settings}");
    let (id, broker) = from_settings(&settings);
    assert_eq!(id, "bot-7");
    let robot = spawn_sim_robot_on(broker.clone(), &id, |_, _| {}).await;
    app.wait_for_robot_state("bot-7", "online", WAIT).await;
    drop(robot);
    app.stop().await;

    // A new server on the same database loads the credential; the same settings still work.
    let app = TestApp::spawn(|s| s.db = db.clone()).await;
    let mut broker = broker;
    broker.port = app.broker.port;
    let _robot = spawn_sim_robot_on(broker, &id, |_, _| {}).await;
    app.wait_for_robot_state("bot-7", "online", WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_robot_is_cut_off_within_a_second_and_a_second_enroll_replaces_the_password() {
    let app = TestApp::spawn(|_| {}).await;
    let (id, first) = from_settings(&enroll(&app, "bot-8").await.env_file());
    let robot = spawn_sim_robot_on(first.clone(), &id, |_, _| {}).await;
    app.wait_for_robot_state("bot-8", "online", WAIT).await;

    let revoked_at = Instant::now();
    let reply = app.delete("/api/robots/bot-8/enroll").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    wait_until(
        Duration::from_secs(1),
        "the revoked robot's link to drop",
        || !robot.agent.state().link_up,
    )
    .await;
    eprintln!("revoked robot cut off after {:?}", revoked_at.elapsed());
    app.wait_for_robot_state("bot-8", "offline", WAIT).await;
    assert_eq!(app.delete("/api/robots/bot-8/enroll").await.status, 404);

    let (_, second) = from_settings(&enroll(&app, "bot-8").await.env_file());
    assert_ne!(first.credentials, second.credentials);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !robot.agent.state().link_up,
        "the old password no longer logs in"
    );
    drop(robot);
    let _again = spawn_sim_robot_on(second, &id, |_, _| {}).await;
    app.wait_for_robot_state("bot-8", "online", WAIT).await;

    let as_nobody = app
        .post_with_token("/api/robots/bot-9/enroll", &json!(null), Some("guess"))
        .await;
    assert_eq!(as_nobody.status, 403, "{as_nobody:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_unknown_ids_publishing_create_no_robot() {
    const UNKNOWN: usize = 10_000;
    let app = TestApp::spawn(|_| {}).await;
    let (id, broker) = from_settings(&enroll(&app, "honest").await.env_file());
    let honest = robot_id(&id);
    // The enrolled robot's credential, misused by a program that claims 10,000 other ids.
    let client = RawClient::connect(&broker, "unused").await;
    let sample = |i: u64| encode(&Telemetry::new(i, i));
    for i in 0..UNKNOWN {
        let fake = robot_id(&format!("fake-{i:05}"));
        client
            .publish(
                &topic::telemetry(&fake),
                sample(i as u64),
                QoS::AtMostOnce,
                false,
            )
            .await;
        if i % 1000 == 0 {
            client
                .publish(
                    &topic::status(&fake),
                    b"{}".to_vec(),
                    QoS::AtMostOnce,
                    false,
                )
                .await;
        }
    }
    // Its own telemetry last, on the same connection: once the fleet has it, the broker has
    // judged every message before it.
    client
        .publish(
            &topic::status(&honest),
            fleet_tests::raw_mqtt::birth(&honest),
            QoS::AtLeastOnce,
            false,
        )
        .await;
    client
        .publish(
            &topic::telemetry(&honest),
            sample(1),
            QoS::AtLeastOnce,
            false,
        )
        .await;
    let robots = app
        .wait_for_robots(WAIT, "the honest robot's telemetry", |list| {
            list.iter().any(|r| r.telemetry.is_some())
        })
        .await;
    let ids: Vec<&str> = robots.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["honest"], "only the enrolled robot is a robot");

    // And an anonymous client gets nowhere at all.
    let anonymous = BrokerAddress::new(app.broker.host.clone(), app.broker.port);
    let refused = tokio::time::timeout(
        Duration::from_secs(3),
        RawClient::connect(&anonymous, "anonymous"),
    )
    .await;
    assert!(refused.is_err(), "an anonymous client connected");
    let stopped = app.stop().await;
    let db = Recording::open(&stopped.db_path).await;
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM robots WHERE id LIKE 'fake-%'")
            .await,
        0,
        "no row for an unknown id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_publishing_fifty_times_its_telemetry_rate_is_throttled_and_listed_for_the_teacher()
{
    const FLOOD: u64 = 20_000;
    let app = TestApp::spawn(|_| {}).await;
    let (id, broker) = from_settings(&enroll(&app, "noisy").await.env_file());
    let noisy = robot_id(&id);
    let client = RawClient::connect(&broker, "unused").await;
    // Every message the broker could have let through was handled after this instant.
    let start = Instant::now();
    client
        .publish(
            &topic::status(&noisy),
            fleet_tests::raw_mqtt::birth(&noisy),
            QoS::AtLeastOnce,
            false,
        )
        .await;
    for i in 0..FLOOD {
        client
            .publish(
                &topic::telemetry(&noisy),
                encode(&Telemetry::new(i, i)),
                QoS::AtMostOnce,
                false,
            )
            .await;
    }
    client.wait_sent(FLOOD + 1, WAIT).await;
    // The client has written everything, but the broker may still be reading its backlog:
    // the count is read once it has stopped moving.
    let throttled = settled_throttled(&app).await;
    let handled_within = start.elapsed().as_secs_f64();
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    assert_eq!(throttled[0].robot, "noisy");
    // The bucket lets the one-second burst through, then the limit for each second the broker
    // spent on the flood; everything else is dropped.
    let published = FLOOD + 1;
    let limit = f64::from(throttled[0].limit_per_s);
    let most_passed = limit + (limit * handled_within).ceil();
    let least_dropped = published.saturating_sub(most_passed as u64);
    assert!(
        throttled[0].dropped >= least_dropped,
        "{throttled:?}: at least {least_dropped} of {published} should be dropped \
         (handled within {handled_within:.2} s)"
    );
    assert!(
        throttled[0].dropped <= published - limit as u64,
        "{throttled:?}: the first second's burst passes"
    );
    let stats = app.stats().await;
    eprintln!(
        "flood of {FLOOD} handled within {handled_within:.2} s: {throttled:?}, fleet stats {:?}",
        stats.fleet
    );
}

/// The throttled list once its drop counts stop moving (two reads half a second apart agree).
async fn settled_throttled(app: &TestApp) -> Vec<Throttled> {
    let deadline = Instant::now() + 3 * WAIT;
    let mut last: Option<Vec<Throttled>> = None;
    loop {
        let now: Vec<Throttled> = app.get("/api/robots/throttled").await.json();
        let counts = |l: &[Throttled]| l.iter().map(|t| t.dropped).collect::<Vec<_>>();
        if !now.is_empty() && last.as_deref().is_some_and(|l| counts(l) == counts(&now)) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "drop counts still moving or empty after {:?}: {now:?}",
            3 * WAIT
        );
        last = Some(now);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
