//! A recorded class for the export and replay tests: three simulated robots on the app's
//! broker, a named session in which one runs a short line-follow mission, one is lifted off
//! the line while following it (line lost), and the teacher presses STOP ALL (estop) and
//! releases; then the session stops. What happened is read back from the recording file.

use std::time::Duration;

use serde_json::json;

use crate::db::Recording;

use crate::fleet_ops::{spawn_robots, wait_for_end, wait_for_mission};
use crate::{SimRobot, TestApp};

pub const ROBOTS: [&str; 3] = ["rec-01", "rec-02", "rec-03"];
const WAIT: Duration = Duration::from_secs(20);

/// A stopped session of the app's database, with what happened in it.
pub struct RecordedClass {
    pub session: i64,
    pub mission: i64,
    pub robots: Vec<SimRobot>,
}

/// Records the class described above in `app` and returns once every record of it is on disk.
pub async fn record_class(app: &TestApp) -> RecordedClass {
    // Twice real time: the follower still follows the oval, and the test is shorter.
    let robots = spawn_robots(app, &ROBOTS, |_, sim| sim.time_scale = 2.0).await;
    let started = app.post("/api/sessions", &json!({ "name": "class" })).await;
    assert_eq!(started.status, 201, "{started:?}");
    let session = started.body["id"].as_i64().expect("session id");
    let db = Recording::open(&app.db_path).await;
    let in_session = |rest: &str| format!("session_id = {session} AND {rest}");

    // A short mission that ends on its own (a timeout) inside the session.
    let mission = app
        .post(
            "/api/missions",
            &json!({ "robot": ROBOTS[0], "timeout_ms": 1_500,
                "mission": { "kind": "line_follow", "speed": 0.5, "laps": 3 } }),
        )
        .await;
    assert_eq!(mission.status, 201, "{mission:?}");
    let mission = mission.body["id"].as_i64().expect("mission id");

    // rec-02 follows the line too, and is picked up and set down in the middle of the oval,
    // off the tape: its follower reports the line lost.
    let follow = app
        .post(
            "/api/missions",
            &json!({ "robot": ROBOTS[1], "timeout_ms": 20_000,
                "mission": { "kind": "line_follow", "speed": 0.4, "laps": 3 } }),
        )
        .await;
    assert_eq!(follow.status, 201, "{follow:?}");
    let follow = follow.body["id"].as_i64().expect("mission id");
    wait_for_mission(app, follow, WAIT, "running", |m| m["state"] == "running").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    robots[1].push_off_the_line();
    let lost = in_session(&format!(
        "robot_id = '{}' AND kind = 'event' AND CAST(payload AS TEXT) LIKE '%\"line_lost\"%'",
        ROBOTS[1]
    ));
    db.wait_for_rows(&lost, 1, WAIT).await;

    let done = wait_for_end(app, mission, WAIT).await;
    assert_ne!(done["state"], "running", "{done}");
    let estop = app.post("/api/estop", &json!({})).await;
    assert_eq!(estop.status, 200, "{estop:?}");
    let estopped = in_session("kind = 'event' AND CAST(payload AS TEXT) LIKE '%\"estopped\"%'");
    db.wait_for_rows(&estopped, ROBOTS.len() as i64, WAIT).await;
    let release = app.post("/api/release", &json!({})).await;
    assert_eq!(release.status, 200, "{release:?}");
    let released = in_session("kind = 'event' AND CAST(payload AS TEXT) LIKE '%\"released\"%'");
    db.wait_for_rows(&released, ROBOTS.len() as i64, WAIT).await;
    // A little more telemetry after the release, then the session ends.
    let telemetry = in_session("kind = 'telemetry'");
    let so_far = db.count_records(&telemetry).await;
    db.wait_for_rows(&telemetry, so_far + 20, WAIT).await;
    let stopped = app.post("/api/sessions/stop", &json!({})).await;
    assert_eq!(stopped.status, 200, "{stopped:?}");
    app.recorder_flush().await;
    db.close().await;
    RecordedClass {
        session,
        mission,
        robots,
    }
}
