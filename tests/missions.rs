//! Missions end to end on simulated robots: a line-follow course round the oval succeeds after a
//! lap, an impossible timeout times out, a robot killed mid-mission fails it, a script drives
//! past the dead-man and stops, and an abort stops the robot. Every state change is read back
//! from the API, which reads the database.

use std::time::Duration;

use fleet_tests::fleet_ops::{spawn_robots, wait_for_end, wait_for_mission};
use fleet_tests::robot_io::is_still;
use fleet_tests::{TestApp, wait_until};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);
/// The follower is tuned for real time; twice as fast still follows the oval cleanly.
const TIME_SCALE: f64 = 2.0;

fn states(mission: &Value) -> Vec<String> {
    mission["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| t["to"].as_str().unwrap_or("?").to_owned())
        .collect()
}

async fn assign(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/api/missions", &body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.body
}

fn course(robot: &str, timeout_ms: u64) -> Value {
    json!({ "robot": robot, "timeout_ms": timeout_ms,
        "mission": { "kind": "line_follow", "speed": 0.6, "laps": 1 } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_follow_mission_on_the_simulated_oval_succeeds_after_a_lap() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["racer"], |_, sim| sim.time_scale = TIME_SCALE).await;

    let mission = assign(&app, course("racer", 120_000)).await;
    let id = mission["id"].as_i64().expect("mission id");
    assert_eq!(mission["kind"], "line_follow");

    // Visible live: the robot's view names its mission while it runs, and it is busy.
    wait_for_mission(&app, id, WAIT, "running", |m| m["state"] == "running").await;
    let view = app.get("/api/robots/racer").await;
    assert_eq!(view.body["mission"], format!("#{id} line_follow"));
    let busy = app.post("/api/missions", &course("racer", 60_000)).await;
    assert_eq!(busy.status, 409, "{busy:?}");
    assert_eq!(
        busy.error(),
        format!("robot racer is busy with mission {id}")
    );

    let done = wait_for_end(&app, id, Duration::from_secs(90)).await;

    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["reason"], "completed 1 lap");
    assert_eq!(states(&done), ["assigned", "running", "succeeded"]);
    assert!(done["ended_at_ms"].as_i64() >= done["created_at_ms"].as_i64());
    // A lap of the oval is 4.9 m: the robot drove it, and was stopped in the finish zone.
    assert!(
        robots[0].sim.distance_travelled() > 4.5,
        "{} m",
        robots[0].sim.distance_travelled()
    );
    wait_until(WAIT, "the robot to stop at the finish", || {
        is_still(&robots[0])
    })
    .await;
    let view = app.get("/api/robots/racer").await;
    assert!(view.body["mission"].is_null(), "{}", view.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_follow_mission_with_an_impossible_timeout_times_out_and_stops_the_robot() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["slow"], |_, sim| sim.time_scale = TIME_SCALE).await;

    let mission = assign(&app, course("slow", 1_500)).await;
    let id = mission["id"].as_i64().expect("mission id");
    let done = wait_for_end(&app, id, WAIT).await;

    assert_eq!(done["state"], "timed_out", "{done}");
    assert_eq!(done["reason"], "not finished within 1.5 s");
    assert_eq!(states(&done), ["assigned", "running", "timed_out"]);
    wait_until(WAIT, "the robot to stop", || is_still(&robots[0])).await;
    // The robot is free again.
    let next = app.post("/api/missions", &course("slow", 1_000)).await;
    assert_eq!(next.status, 201, "{next:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_killed_mid_mission_fails_the_mission_with_the_reason() {
    let app = TestApp::spawn(|_| {}).await;
    let mut robots = spawn_robots(&app, &["doomed"], |_, sim| sim.time_scale = TIME_SCALE).await;
    let mission = assign(&app, course("doomed", 120_000)).await;
    let id = mission["id"].as_i64().expect("mission id");
    wait_for_mission(&app, id, WAIT, "running", |m| m["state"] == "running").await;

    let robot = robots.pop().expect("one robot");
    robot.agent.kill_link().await.expect("kill the link");
    let done = wait_for_end(&app, id, WAIT).await;

    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["reason"], "robot went offline: link lost");
    assert_eq!(states(&done), ["assigned", "running", "failed"]);
    // An offline robot cannot take a new mission.
    let offline = app.post("/api/missions", &course("doomed", 1_000)).await;
    assert_eq!(
        (offline.status, offline.error()),
        (409, "robot doomed is offline")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_mission_drives_past_the_dead_man_then_moves_a_servo_and_stops() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["arm"], |_, _| {}).await;
    let script = json!({ "robot": "arm", "mission": { "kind": "script", "steps": [
        { "step": "drive", "speed": 0.5, "turn": 0.0, "ms": 1500 },
        { "step": "servo", "joint": "claw", "angle": 45, "ms": 100 },
        { "step": "stop" },
    ] } });

    let mission = assign(&app, script).await;
    let id = mission["id"].as_i64().expect("mission id");
    let done = wait_for_end(&app, id, WAIT).await;

    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["reason"], "all 3 steps done");
    // 1.5 s at 0.5 x 0.29 m/s is 0.22 m; a drive cut by the 500 ms dead-man would be 0.07 m.
    let driven = robots[0].sim.distance_travelled();
    assert!(driven > 0.18, "drove only {driven:.3} m");
    assert!(is_still(&robots[0]));
    let claw = app
        .wait_for_robots(WAIT, "the claw at 45 degrees", |list| {
            list[0].telemetry.as_ref().map(|t| t.servos.claw) == Some(45.0)
        })
        .await;
    assert_eq!(claw.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_mission_stops_the_robot_and_mistakes_get_clear_errors() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["a1", "a2"], |_, _| {}).await;
    let long_drive = json!({ "kind": "script", "steps": [
        { "step": "drive", "speed": 0.4, "ms": 20000 } ] });
    let group = app
        .post(
            "/api/groups",
            &json!({ "name": "pair", "robots": ["a1", "a2"] }),
        )
        .await;
    assert_eq!(group.status, 201, "{group:?}");

    let both = app
        .post(
            "/api/missions",
            &json!({ "group": "pair", "mission": long_drive }),
        )
        .await;
    assert_eq!(both.status, 201, "{both:?}");
    let assigned = both.body["assigned"].as_array().expect("assigned");
    assert_eq!(assigned.len(), 2);
    assert!(assigned.iter().all(|m| m["group"] == "pair"));
    wait_until(WAIT, "both robots to drive", || {
        robots.iter().all(|r| !is_still(r))
    })
    .await;

    let id = assigned[0]["id"].as_i64().expect("mission id");
    let aborted = app
        .post(
            &format!("/api/missions/{id}/abort"),
            &json!({ "reason": "bell rang" }),
        )
        .await;
    assert_eq!(aborted.status, 200, "{aborted:?}");
    assert_eq!(
        (&aborted.body["state"], &aborted.body["reason"]),
        (&json!("aborted"), &json!("bell rang"))
    );
    let stopped = assigned[0]["robot"].as_str().expect("robot");
    let index = usize::from(stopped == "a2");
    wait_until(WAIT, "the aborted robot to stop", || {
        is_still(&robots[index])
    })
    .await;
    assert!(!is_still(&robots[1 - index]), "the other mission runs on");
    let twice = app
        .post(&format!("/api/missions/{id}/abort"), &json!({}))
        .await;
    assert_eq!(
        (twice.status, twice.error()),
        (409, &*format!("mission {id} already ended (aborted)"))
    );

    let again = app
        .post(
            "/api/missions",
            &json!({ "group": "pair", "mission": long_drive }),
        )
        .await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.body["assigned"].as_array().map(Vec::len), Some(1));
    assert!(
        again.body["refused"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("is busy with mission"))
    );

    for (body, status, error) in [
        (
            json!({ "robot": "ghost", "mission": long_drive }),
            404,
            "no robot ghost has been seen",
        ),
        (
            json!({ "robot": "a1", "group": "pair", "mission": long_drive }),
            400,
            "name exactly one target: \"robot\" or \"group\"",
        ),
        (
            json!({ "group": "nobody", "mission": long_drive }),
            404,
            "no group named nobody",
        ),
        (
            json!({ "robot": "a1", "mission": { "kind": "line_follow", "speed": 3 } }),
            400,
            "invalid mission: line_follow speed 3 must be in (0, 1]",
        ),
    ] {
        let reply = app.post("/api/missions", &body).await;
        assert_eq!((reply.status, reply.error()), (status, error), "{body}");
    }
    assert_eq!(app.get("/api/missions/999999").await.status, 404);
    let listed = app.get("/api/missions?active=true").await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        listed.text
    );
}
