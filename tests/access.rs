//! Who may change what, through the real API: reads are open; every mutating route wants the
//! teacher's token; a student's token drives its own robot and nothing else.

use std::time::Duration;

use fleet_tests::{TestApp, spawn_sim_robot_on};
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use orchestrator::contract::StudentAccess;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(10);

async fn app_with_two_robots() -> (TestApp, Vec<fleet_tests::SimRobot>) {
    let app = TestApp::spawn(|_| {}).await;
    let mut robots = Vec::new();
    for id in ["sim-01", "sim-02"] {
        robots.push(spawn_sim_robot_on(app.robot_broker(id), id, |_, _| {}).await);
        app.wait_for_robot_state(id, "online", TIMEOUT).await;
    }
    (app, robots)
}

/// A student on the roster driving `robot`, with their token (issued by the import).
async fn student(app: &TestApp, robot: &str) -> String {
    app.student_token(&format!("student-of-{robot}"), robot)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutating_route_refuses_a_request_without_a_token() {
    let (app, _robots) = app_with_two_robots().await;
    let routes = [
        ("/api/robots/sim-01/commands", json!({"kind": "stop"})),
        ("/api/sessions", json!({"name": "lesson"})),
        ("/api/sessions/stop", json!({})),
        ("/api/estop", json!({})),
        ("/api/release", json!({})),
        ("/api/groups", json!({"name": "red"})),
        (
            "/api/missions",
            json!({"robot": "sim-01", "mission": {"kind": "line_follow"}}),
        ),
    ];
    for (path, body) in &routes {
        let reply = app.post_with_token(path, body, None).await;
        assert_eq!(reply.status, 401, "POST {path} without a token: {reply:?}");
        assert!(reply.error().contains("Authorization: Bearer"), "{reply:?}");
        let reply = app.post_with_token(path, body, Some("wrong")).await;
        assert_eq!(
            reply.status, 403,
            "POST {path} with a wrong token: {reply:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_token_drives_its_own_robot_and_nothing_else() {
    let (app, robots) = app_with_two_robots().await;
    let token = student(&app, "sim-01").await;
    let drive = json!({"kind": "drive", "speed": 0.4, "turn": 0.0});

    let own = app
        .post_with_token("/api/robots/sim-01/commands", &drive, Some(&token))
        .await;
    assert_eq!(own.status, 200, "{own:?}");
    let other = app
        .post_with_token("/api/robots/sim-02/commands", &drive, Some(&token))
        .await;
    assert_eq!(other.status, 403, "{other:?}");
    assert!(other.error().contains("sim-02"), "{other:?}");
    for (path, body) in [
        ("/api/estop", json!({})),
        ("/api/sessions", json!({"name": "x"})),
    ] {
        let reply = app.post_with_token(path, &body, Some(&token)).await;
        assert_eq!(reply.status, 403, "a student's POST {path}: {reply:?}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(robots[0].sim.distance_travelled() > 0.0, "sim-01 drove");
    assert_eq!(robots[1].sim.distance_travelled(), 0.0, "sim-02 did not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_stay_open_and_only_the_teacher_lists_student_tokens() {
    let (app, _robots) = app_with_two_robots().await;
    for path in [
        "/api/robots",
        "/api/robots/sim-01",
        "/api/sessions",
        "/api/map",
        "/",
    ] {
        assert_eq!(app.get(path).await.status, 200, "GET {path}");
    }
    assert_eq!(app.get("/api/access/students").await.status, 401);
    let students = "/api/access/students";
    let ada = student(&app, "sim-01").await;
    let bob = student(&app, "sim-02").await;
    let refused = app.get_with_token(students, Some(&ada)).await;
    assert_eq!(refused.status, 403);
    let listed = app.get_with_token(students, Some(TEST_TEACHER_TOKEN)).await;
    assert_eq!(listed.status, 200);
    let list: Vec<StudentAccess> = listed.json();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].student.as_str(), "student-of-sim-01");
    assert_eq!(list[0].robot.as_ref().map(|r| r.as_str()), Some("sim-01"));
    assert_eq!(list[0].remote.as_deref(), Some("/remote/sim-01"));
    // The server keeps only hashes: no token is listed, not even the teacher's view of one.
    assert!(
        !listed.text.contains(&ada) && !listed.text.contains(&bob),
        "{}",
        listed.text
    );

    let me = app
        .get_with_token("/api/access/whoami?robot=sim-01", Some(&ada))
        .await;
    assert_eq!(me.body, json!({"role": "student", "robot": "sim-01"}));
    let me = app
        .get_with_token("/api/access/whoami?robot=sim-02", Some(&ada))
        .await;
    assert_eq!(me.body, json!({"role": "none"}));
    let me = app
        .get_with_token("/api/access/whoami", Some(TEST_TEACHER_TOKEN))
        .await;
    assert_eq!(me.body, json!({"role": "teacher"}));
}
