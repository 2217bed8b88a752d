//! The teacher's control of a game end to end: the readiness gate before start (and its
//! bypass), teams taken from groups, pause estopping the project's agents and resume releasing
//! them, and the CLI's `game` commands against the real server.

use std::time::Duration;

use fleet_tests::legacy_robot::LegacyRobot;
use fleet_tests::{SimRobot, TestApp, spawn_sim_robot_on, wait_until};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

/// A simulated agent, online and reporting its sensors.
async fn agent(app: &TestApp, id: &str) -> SimRobot {
    let robot = spawn_sim_robot_on(app.robot_broker(id), id, |_, _| {}).await;
    app.poll_get(&format!("/api/robots/{id}"), WAIT, |r| {
        r.body["state"] == "online" && r.body["telemetry"].is_object()
    })
    .await
    .unwrap_or_else(|r| panic!("{id} never online and reporting: {r:?}"));
    robot
}

fn not_ready(reply: &Value) -> Vec<(String, String)> {
    reply["not_ready"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["robot"].as_str().unwrap_or("?").to_owned(),
                r["reason"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_refuses_robots_not_ready_naming_them_until_the_teacher_bypasses_them() {
    let app = TestApp::spawn(|_| {}).await;
    let (red_id, blue_id) = ("0xa1a1a1a1a101", "0xa1a1a1a1a102");
    let red = agent(&app, red_id).await;
    let _blue = agent(&app, blue_id).await;
    for (group, id) in [("reds", red_id), ("blues", blue_id)] {
        let made = app
            .post("/api/groups", &json!({ "name": group, "robots": [id] }))
            .await;
        assert_eq!(made.status, 201, "{made:?}");
    }
    let made = app
        .post(
            "/api/games",
            &json!({ "name": "groups", "teams": { "from": "groups", "red": "reds", "blue": "blues" } }),
        )
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    // The red agent registers (as its game mode does); a stranger is not on the roster.
    let red_player = LegacyRobot::connect(&app, red_id).await;
    assert_eq!(red_player.register().await.0, "RED");
    let stranger = LegacyRobot::connect(&app, "0xa1a1a1a1a1ff").await;
    stranger.init().await;
    let estop = app
        .post(
            &format!("/api/robots/{red_id}/commands"),
            &json!({ "kind": "estop" }),
        )
        .await;
    assert_eq!(estop.status, 200, "{estop:?}");
    wait_until(WAIT, "the red agent estopped", || {
        red.agent.state().estopped
    })
    .await;
    app.poll_get(&format!("/api/robots/{red_id}"), WAIT, |r| {
        r.body["telemetry"]["mode"] == "estopped"
    })
    .await
    .unwrap_or_else(|r| panic!("no estopped telemetry: {r:?}"));

    let refused = app.post("/api/games/current/start", &json!({})).await;

    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(
        not_ready(&refused.body),
        [
            (red_id.to_owned(), "emergency-stopped".to_owned()),
            (
                blue_id.to_owned(),
                "not registered (no INIT yet)".to_owned()
            )
        ]
    );
    assert!(refused.error().contains("--bypass"), "{refused:?}");
    let half = app
        .post("/api/games/current/start", &json!({ "bypass": [blue_id] }))
        .await;
    assert_eq!(half.status, 409, "one bypass is not two: {half:?}");
    assert_eq!(not_ready(&half.body).len(), 1);

    let started = app
        .post(
            "/api/games/groups/start",
            &json!({ "bypass": [red_id, blue_id] }),
        )
        .await;
    assert_eq!(started.status, 200, "{started:?}");
    assert_eq!(started.body["game"]["phase"], "running");
    assert_eq!(started.body["bypassed"], json!([red_id, blue_id]));
    assert_eq!(started.body["game"]["players"][0]["kind"], "agent");
    assert!(stranger.heard().is_empty(), "{:?}", stranger.heard());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_estops_every_agent_playing_and_resume_releases_them() {
    let app = TestApp::spawn(|_| {}).await;
    let id = "0xa1a1a1a1a111";
    let robot = agent(&app, id).await;
    let made = app.post("/api/games", &json!({ "name": "pause" })).await;
    assert_eq!(made.status, 201, "{made:?}");
    let agent_player = LegacyRobot::connect(&app, id).await;
    agent_player.register().await;
    let student = LegacyRobot::connect(&app, "0xdca632bf91cc").await;
    student.register().await;
    let started = app.post("/api/games/current/start", &json!({})).await;
    assert_eq!(started.status, 200, "{started:?}");

    let paused = app.post("/api/games/current/pause", &json!({})).await;

    assert_eq!(paused.status, 200, "{paused:?}");
    assert_eq!(paused.body["game"]["phase"], "paused");
    assert_eq!(
        paused.body["commands"],
        json!([{ "robot": id, "outcome": "acked" }]),
        "only the agent can be stopped"
    );
    assert!(robot.agent.state().estopped);
    let again = app.post("/api/games/current/pause", &json!({})).await;
    assert_eq!(again.status, 409, "{again:?}");

    let resumed = app.post("/api/games/current/resume", &json!({})).await;
    assert_eq!(resumed.status, 200, "{resumed:?}");
    assert_eq!(resumed.body["game"]["phase"], "running");
    assert!(!robot.agent.state().estopped);
    let ended = app.post("/api/games/current/end", &json!({})).await;
    assert_eq!(ended.status, 200, "{ended:?}");
    assert_eq!(ended.body["game"]["phase"], "ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn game_routes_need_the_teacher_token_and_one_open_game_at_a_time() {
    let app = TestApp::spawn(|_| {}).await;
    let anonymous = app
        .post_with_token("/api/games", &json!({ "name": "x" }), None)
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert_eq!(app.get("/api/games/current").await.status, 404);
    let bad = app
        .post("/api/games", &json!({ "name": "x", "flags_to_win": 0 }))
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(
        app.post("/api/games", &json!({ "name": "first" }))
            .await
            .status,
        201
    );
    let second = app.post("/api/games", &json!({ "name": "second" })).await;
    assert_eq!(second.status, 409, "{second:?}");
    assert!(second.error().contains("first"), "{second:?}");
    assert_eq!(
        app.post("/api/games/first/end", &json!({})).await.status,
        200
    );
    assert_eq!(
        app.post("/api/games", &json!({ "name": "second" }))
            .await
            .status,
        201
    );
    let list = app.get("/api/games").await;
    assert_eq!(list.body["games"][0]["name"], "first");
    assert_eq!(list.body["games"][1]["current"], true);
    assert_eq!(app.get("/api/games/nope").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_without_a_gun_answers_shoot_unsupported() {
    let app = TestApp::spawn(|_| {}).await;
    let _robot = agent(&app, "0xa1a1a1a1a121").await;
    let shot = app
        .post(
            "/api/robots/0xa1a1a1a1a121/commands",
            &json!({ "kind": "shoot" }),
        )
        .await;
    assert_eq!(shot.status, 422, "{shot:?}");
    assert_eq!(shot.body["code"], "unsupported", "{shot:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_robot_heard_on_the_game_topics_is_a_legacy_robot_that_takes_no_command() {
    let app = TestApp::spawn(|_| {}).await;
    let agent_id = "0xa1a1a1a1a141";
    let _agent = agent(&app, agent_id).await;
    assert_eq!(
        app.post("/api/games", &json!({ "name": "kinds" }))
            .await
            .status,
        201
    );
    let student = LegacyRobot::connect(&app, "0xdca632bf91cc").await;
    student.register().await;
    // The agent in game mode registers too: it stays an agent.
    let agent_player = LegacyRobot::connect(&app, agent_id).await;
    agent_player.register().await;

    let listed = app
        .poll_get("/api/robots", WAIT, |r| {
            r.body.as_array().is_some_and(|robots| robots.len() == 2)
        })
        .await
        .unwrap_or_else(|r| panic!("two robots listed: {r:?}"));
    let kinds: Vec<(&str, &str)> = listed
        .body
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or("?"),
                r["kind"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(kinds, [(agent_id, "agent"), ("0xdca632bf91cc", "legacy")]);
    let refused = app
        .post(
            "/api/robots/0xdca632bf91cc/commands",
            &json!({ "kind": "estop" }),
        )
        .await;
    assert_eq!(refused.status, 422, "{refused:?}");
    assert_eq!(refused.body["code"], "unsupported");
    assert!(
        refused.error().contains("cannot be stopped remotely"),
        "{refused:?}"
    );
    let estop = app.post("/api/estop", &json!({})).await;
    assert_eq!(
        estop.body["robots"], 1,
        "the broadcast is for agents: {estop:?}"
    );
}
