//! Hostile input never takes the orchestrator down: garbage on every topic it subscribes to is
//! counted per reason in `GET /api/stats` while a good robot keeps being recorded, and hostile
//! HTTP requests get JSON errors with the status code that says what was wrong.

use std::collections::BTreeMap;
use std::time::Duration;

use fleet_protocol::{Ack, Event, EventKind, Telemetry, encode};
use fleet_tests::db::Recording;
use fleet_tests::raw_mqtt::{self, RawClient};
use fleet_tests::{TestApp, robot_id, spawn_sim_robot_on};
use orchestrator::contract::Stats;
use rumqttc::QoS;
use serde_json::{Value, json};

const SOON: Duration = Duration::from_secs(15);

/// A valid payload of each subscribed kind, its `v` set to `version`.
fn with_version(payload: Vec<u8>, version: u32) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&payload).expect("valid JSON");
    value["v"] = json!(version);
    value.to_string().into_bytes()
}

fn birth(id: &str) -> Vec<u8> {
    raw_mqtt::birth(&robot_id(id))
}

fn telemetry() -> Vec<u8> {
    encode(&Telemetry::new(1, 1))
}

fn event() -> Vec<u8> {
    encode(&Event::new(1, 1, EventKind::LineLost))
}

fn ack() -> Vec<u8> {
    encode(&Ack::ok(
        fleet_protocol::CommandId::parse("c-1").expect("id"),
        1,
    ))
}

/// Every bad publish and the drop reason the orchestrator must count it under.
fn garbage() -> Vec<(String, Vec<u8>, &'static str)> {
    let kilo_id = "k".repeat(1024);
    let huge = vec![b'x'; 100 * 1024];
    let t = |s: &str| s.to_owned();
    vec![
        // Not JSON, or not the shape of the topic's message.
        (
            t("robots/x1/status"),
            b"not json".to_vec(),
            "malformed_payload",
        ),
        (t("robots/x1/telemetry"), b"{".to_vec(), "malformed_payload"),
        (t("robots/x1/events"), b"[]".to_vec(), "malformed_payload"),
        (t("robots/x1/ack"), b"{}".to_vec(), "malformed_payload"),
        (
            t("robots/x1/telemetry"),
            b"\xff\xfe\x00".to_vec(),
            "malformed_payload",
        ),
        // Well-formed but from another protocol version.
        (
            t("robots/x1/status"),
            with_version(birth("x1"), 9),
            "wrong_version",
        ),
        (
            t("robots/x1/telemetry"),
            with_version(telemetry(), 2),
            "wrong_version",
        ),
        (
            t("robots/x1/events"),
            with_version(event(), 0),
            "wrong_version",
        ),
        (t("robots/x1/ack"), with_version(ack(), 2), "wrong_version"),
        // Hostile ids that a publisher can put in one topic level.
        (t("robots//status"), birth("x1"), "bad_robot_id"),
        (t("robots//telemetry"), telemetry(), "bad_robot_id"),
        (format!("robots/{kilo_id}/events"), event(), "bad_robot_id"),
        (t("robots/has space/ack"), ack(), "bad_robot_id"),
        (t("robots/t\u{e4}nk/telemetry"), telemetry(), "bad_robot_id"),
        (t("robots/x1%2Fb/telemetry"), telemetry(), "bad_robot_id"),
        // A status on one robot's topic that names another.
        (t("robots/x1/status"), birth("x2"), "id_mismatch"),
        // 100 KB where 16 KiB is the limit.
        (t("robots/x1/telemetry"), huge.clone(), "payload_too_large"),
        (t("robots/x1/status"), huge, "payload_too_large"),
    ]
}

fn dropped(stats: &Stats) -> BTreeMap<String, u64> {
    stats
        .mqtt
        .dropped
        .iter()
        .map(|(reason, n)| (reason.as_str().to_owned(), *n))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_every_subscribed_topic_is_counted_per_reason_and_recording_goes_on() {
    let app = TestApp::spawn(|_| {}).await;
    let _good = spawn_sim_robot_on(app.robot_broker("good-1"), "good-1", |_, _| {}).await;
    app.wait_for_robot_state("good-1", "online", SOON).await;
    let db = Recording::open(&app.db_path).await;
    let good_rows = "robot_id = 'good-1' AND kind = 'telemetry'";
    db.wait_for_rows(good_rows, 3, SOON).await;

    let attacker = RawClient::connect(&app.client_broker("attacker"), "attacker").await;
    let garbage = garbage();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for (topic, payload, reason) in &garbage {
        // QoS 1: the broker takes each one for sure, so the counts below are exact.
        attacker
            .publish(topic, payload.clone(), QoS::AtLeastOnce, false)
            .await;
        *expected.entry(reason.to_string()).or_default() += 1;
    }
    // Ids a publisher cannot put in one level: `a/b` is two levels (no `robots/+/...` filter
    // matches it), and `+`, `#` are refused by the client before they reach the broker.
    attacker
        .publish("robots/a/b/status", birth("a"), QoS::AtLeastOnce, false)
        .await;
    attacker
        .publish("robots/x1/cmd", b"{}".to_vec(), QoS::AtLeastOnce, false)
        .await;
    assert!(!attacker.try_publish("robots/+/status", birth("x1")).await);
    assert!(
        !attacker
            .try_publish("robots/#/telemetry", telemetry())
            .await
    );
    attacker.wait_sent(garbage.len() as u64 + 2, SOON).await;

    // Each bad message is counted under its reason, exactly.
    let deadline = tokio::time::Instant::now() + SOON;
    let stats = loop {
        let stats = app.stats().await;
        let mut counted = dropped(&stats);
        counted.retain(|_, n| *n > 0);
        if counted == expected {
            break stats;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "drops counted {counted:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let mqtt = &stats.mqtt;
    let dropped_total: u64 = dropped(&stats).values().sum();
    assert_eq!(
        mqtt.received,
        mqtt.accepted + dropped_total,
        "every message received is accepted or counted as dropped: {mqtt:?}"
    );
    assert_eq!(mqtt.connects, 1, "the link was never cut: {mqtt:?}");

    // No garbage became a robot; the good one is still online and still recorded.
    let robots = app.get("/api/robots").await;
    let ids: Vec<&str> = robots
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["good-1"], "{robots:?}");
    let before = db.count_records(good_rows).await;
    db.wait_for_rows(good_rows, before + 10, SOON).await;
    app.wait_for_robot_state("good-1", "online", SOON).await;
    db.close().await;
    let stats = app.stop().await.stats;
    assert_eq!((stats.dropped, stats.lost), (0, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_requests_get_json_errors_with_the_right_status() {
    let app = TestApp::spawn(|_| {}).await;
    let _good = spawn_sim_robot_on(app.robot_broker("good-1"), "good-1", |_, _| {}).await;
    app.wait_for_robot_state("good-1", "online", SOON).await;
    let kilo_id = "k".repeat(1024);

    let gets = [
        (format!("/api/robots/{kilo_id}"), 400, "bad robot id"),
        ("/api/robots/a%2Fb".to_owned(), 400, "bad robot id"),
        ("/api/robots/%2B".to_owned(), 400, "bad robot id"),
        ("/api/robots/%23".to_owned(), 400, "bad robot id"),
        ("/api/robots/has%20space".to_owned(), 400, "bad robot id"),
        ("/api/robots/t%C3%A4nk".to_owned(), 400, "bad robot id"),
        ("/api/robots/nobody".to_owned(), 404, "nobody"),
        ("/api/no-such-route".to_owned(), 404, "no API route"),
    ];
    for (path, status, message) in gets {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, status, "GET {path}: {reply:?}");
        assert!(reply.error().contains(message), "GET {path}: {reply:?}");
    }

    let drive = json!({"kind": "drive", "speed": 0.1, "turn": 0.0}).to_string();
    let posts = [
        (
            "/api/robots/good-1/commands".to_owned(),
            "{".to_owned(),
            400,
            "invalid request body",
        ),
        (
            "/api/robots/good-1/commands".to_owned(),
            r#"{"kind":"selfdestruct"}"#.to_owned(),
            400,
            "invalid request body",
        ),
        (
            "/api/robots/good-1/commands".to_owned(),
            r#"{"kind":"drive","speed":"fast","turn":0}"#.to_owned(),
            400,
            "invalid request body",
        ),
        (
            "/api/robots/good-1/commands".to_owned(),
            r#"{"kind":"drive","speed":5,"turn":0}"#.to_owned(),
            400,
            "speed",
        ),
        (
            "/api/robots/good-1/commands".to_owned(),
            format!(r#"{{"kind":"stop","pad":"{}"}}"#, "p".repeat(20_000)),
            400,
            "invalid request body",
        ),
        (
            format!("/api/robots/{kilo_id}/commands"),
            drive.clone(),
            400,
            "bad robot id",
        ),
        (
            "/api/robots/nobody/commands".to_owned(),
            drive,
            404,
            "nobody",
        ),
        (
            "/api/sessions".to_owned(),
            "{".to_owned(),
            400,
            "invalid request body",
        ),
        (
            "/api/sessions".to_owned(),
            r#"{"name":"  "}"#.to_owned(),
            400,
            "session name",
        ),
        (
            "/api/sessions".to_owned(),
            format!(r#"{{"name":"{}"}}"#, "n".repeat(201)),
            400,
            "session name",
        ),
    ];
    for (path, body, status, message) in posts {
        let reply = app.post_raw(&path, body).await;
        assert_eq!(reply.status, status, "POST {path}: {reply:?}");
        assert!(reply.error().contains(message), "POST {path}: {reply:?}");
    }

    // None of it hurt: the robot still answers commands through the API.
    let reply = app
        .post("/api/robots/good-1/commands", &json!({"kind": "stop"}))
        .await;
    assert_eq!(
        (reply.status, &reply.body["outcome"]),
        (200, &json!("acked")),
        "{reply:?}"
    );
    app.stop().await;
}
