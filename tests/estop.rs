//! Emergency stop end to end: the orchestrator, its embedded broker and simulated robots
//! running the real agent. One broadcast stops every robot; the answer accounts for each one
//! (acknowledged, offline, ...); an estopped robot refuses to drive until released.

use std::time::Duration;

use fleet_protocol::ErrorCode;
use fleet_tests::fleet_ops::{listed, spawn_robots};
use fleet_tests::robot_io::is_still;
use fleet_tests::{TestApp, wait_until};
use orchestrator::contract::{CommandAnswer, FanoutReport};
use orchestrator::domain::CommandOutcome;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

fn drive() -> serde_json::Value {
    json!({ "kind": "drive", "speed": 0.5, "turn": 0.0 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_estop_of_twenty_robots_accounts_for_every_acknowledgement_and_the_offline_one() {
    let app = TestApp::spawn(|_| {}).await;
    let names: Vec<String> = (1..=20).map(|i| format!("tank-{i:02}")).collect();
    let ids: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut robots = spawn_robots(&app, &ids, |_, _| {}).await;
    // One robot dies (no clean goodbye): the broker's last will marks it offline.
    let dead = robots.pop().expect("twenty robots");
    dead.agent.kill_link().await.expect("kill the link");
    app.wait_for_robot_state("tank-20", "offline", WAIT).await;
    // A robot on the move, to see the estop stop it.
    let moving = app.post("/api/robots/tank-01/commands", &drive()).await;
    assert_eq!(moving.status, 200, "{moving:?}");
    wait_until(WAIT, "tank-01 to drive", || !is_still(&robots[0])).await;

    let estop = app.post("/api/estop", &json!({})).await;

    assert_eq!(estop.status, 200, "{estop:?}");
    let report = &estop.body;
    let typed: FanoutReport = estop.json();
    assert_eq!(typed.target, "all");
    assert_eq!(typed.command, "estop");
    assert_eq!(typed.robots, 20);
    assert!(typed.broadcast_cmd_id.is_some(), "one broadcast: {report}");
    assert_eq!(listed(report, "acknowledged"), ids[..19]);
    assert_eq!(listed(report, "offline"), ["tank-20"]);
    for list in ["refused", "no_answer", "unknown", "failed"] {
        assert!(listed(report, list).is_empty(), "{list}: {report}");
    }
    for robot in &robots {
        assert!(robot.agent.state().estopped, "{} not estopped", robot.id);
    }
    wait_until(WAIT, "tank-01 to stand still", || is_still(&robots[0])).await;

    let refused = app.post("/api/robots/tank-01/commands", &drive()).await;
    assert_eq!(refused.status, 422, "{refused:?}");
    let CommandOutcome::Rejected { code, .. } = refused.json::<CommandAnswer>().outcome else {
        panic!("not a refusal: {refused:?}");
    };
    assert_eq!(code, ErrorCode::Estopped);
    assert!(is_still(&robots[0]));

    let release = app.post("/api/release", &json!({})).await;
    assert_eq!(release.status, 200, "{release:?}");
    assert_eq!(listed(&release.body, "acknowledged"), ids[..19]);
    assert_eq!(listed(&release.body, "offline"), ["tank-20"]);
    assert!(robots.iter().all(|r| !r.agent.state().estopped));
    let drives = app.post("/api/robots/tank-01/commands", &drive()).await;
    assert_eq!(drives.status, 200, "{drives:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_estop_stops_only_that_group_until_the_group_is_released() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["red-1", "red-2", "blue-1", "blue-2"], |_, _| {}).await;
    let created = app
        .post(
            "/api/groups",
            &json!({ "name": "red", "robots": ["red-1", "red-2"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");

    let estop = app.post("/api/estop?group=red", &json!({})).await;

    assert_eq!(estop.status, 200, "{estop:?}");
    let typed: FanoutReport = estop.json();
    assert_eq!(typed.target, "group:red");
    assert_eq!(typed.robots, 2);
    assert!(typed.broadcast_cmd_id.is_none());
    assert_eq!(listed(&estop.body, "acknowledged"), ["red-1", "red-2"]);
    let estopped: Vec<bool> = robots.iter().map(|r| r.agent.state().estopped).collect();
    assert_eq!(estopped, [true, true, false, false]);
    let blue = app.post("/api/robots/blue-1/commands", &drive()).await;
    assert_eq!(blue.status, 200, "{blue:?}");
    let red = app.post("/api/robots/red-1/commands", &drive()).await;
    assert_eq!(red.status, 422, "{red:?}");

    let release = app.post("/api/release?group=red", &json!({})).await;
    assert_eq!(listed(&release.body, "acknowledged"), ["red-1", "red-2"]);
    let red = app.post("/api/robots/red-1/commands", &drive()).await;
    assert_eq!(red.status, 200, "{red:?}");

    // A misspelt target must not turn a group release into a release of everyone.
    let typo = app.post("/api/release?grop=red", &json!({})).await;
    assert_eq!(typo.status, 400, "{typo:?}");
    let unknown = app.post("/api/estop?group=green", &json!({})).await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    assert_eq!(unknown.error(), "no group named green");
    let anonymous = app.post_with_token("/api/estop", &json!({}), None).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
}
