//! The orchestrator end to end: the real application with its embedded broker (or a real
//! Mosquitto), five simulated robots running the real agent, and a teacher who only talks to
//! the HTTP API. What was recorded is checked in the SQLite file itself.

use std::time::Duration;

use fleet_protocol::Joint;
use fleet_tests::db::Recording;
use fleet_tests::orchestrator::in_state;
use fleet_tests::{Broker, SimRobot, TestApp, spawn_sim_robot_on, wait_until};
use orchestrator::broker::BrokerEndpoint;
use orchestrator::contract::{CommandAnswer, RobotView};
use robot_agent::hal::sim::JointLimits;
use serde_json::{Value, json};

/// Anything that should happen "within seconds", with room for a loaded 2-core machine.
const SOON: Duration = Duration::from_secs(15);
const ROBOTS: [&str; 5] = ["tank-1", "tank-2", "tank-3", "tank-4", "tank-5"];

/// Five simulated robots on the app's broker; `tank-5`'s claw only opens to 90 degrees.
async fn spawn_fleet(app: &TestApp) -> Vec<SimRobot> {
    let mut robots = Vec::new();
    for id in ROBOTS {
        let robot = spawn_sim_robot_on(app.robot_broker(id), id, |_, sim| {
            if id == "tank-5" {
                let claw = JointLimits {
                    min: 0.0,
                    max: 90.0,
                };
                sim.servo_limits = sim.servo_limits.clone().with(Joint::Claw, claw);
            }
        })
        .await;
        robots.push(robot);
    }
    robots
}

async fn command(app: &TestApp, robot: &str, body: Value) -> fleet_tests::Reply {
    app.post(&format!("/api/robots/{robot}/commands"), &body)
        .await
}

async fn running_session(app: &TestApp) -> Value {
    let sessions = app.get("/api/sessions").await;
    assert_eq!(sessions.status, 200, "{sessions:?}");
    let running: Vec<&Value> = sessions
        .body
        .as_array()
        .expect("a list of sessions")
        .iter()
        .filter(|s| s["running"] == true)
        .collect();
    assert_eq!(
        running.len(),
        1,
        "exactly one running session: {sessions:?}"
    );
    running[0].clone()
}

/// The must-show scenario, against whichever broker `app` uses.
async fn five_robots_are_supervised_commanded_and_recorded(app: TestApp) {
    let mut robots = spawn_fleet(&app).await;

    // All online within seconds, seen through the API only.
    let listed = app
        .wait_for_robots(SOON, "five robots online", |r| {
            in_state(r, "online").len() == ROBOTS.len()
        })
        .await;
    let ids: Vec<&str> = listed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ROBOTS, "listed sorted by id");

    // A drive is executed by the robot and acknowledged through the API.
    let drive = json!({"kind": "drive", "speed": 0.6, "turn": 0.0});
    let reply = command(&app, "tank-1", drive).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let answer: CommandAnswer = reply.json();
    assert_eq!(answer.outcome_name(), "acked", "{reply:?}");
    assert_eq!(answer.robot.as_str(), "tank-1");
    let tank1 = &robots[0];
    wait_until(SOON, "tank-1 to move", || {
        tank1.sim.distance_travelled() > 0.005
    })
    .await;

    // The robot refuses what its own limits forbid: the API says so, with the robot's words.
    let servo = json!({"kind": "servo", "joint": "claw", "angle": 120.0});
    let reply = command(&app, "tank-5", servo).await;
    assert_eq!(reply.status, 422, "{reply:?}");
    assert_eq!(reply.body["outcome"], "rejected");
    assert_eq!(reply.body["code"], "out_of_range");
    assert!(
        reply.error().contains("120") && reply.error().contains("0..90"),
        "{reply:?}"
    );
    // What the protocol forbids never leaves the orchestrator.
    let servo = json!({"kind": "servo", "joint": "claw", "angle": 200.0});
    let reply = command(&app, "tank-5", servo).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(reply.error().contains("angle"), "{reply:?}");
    let tank5 = app.get("/api/robots/tank-5").await;
    assert_eq!(tank5.body["pending_commands"], 0, "{tank5:?}");

    // The running session's recording is in the SQLite file: telemetry of every robot...
    let session = running_session(&app).await["id"].as_i64().expect("id");
    let db = Recording::open(&app.db_path).await;
    for id in ROBOTS {
        let telemetry =
            format!("session_id = {session} AND robot_id = '{id}' AND kind = 'telemetry'");
        db.wait_for_rows(&telemetry, 5, SOON).await;
    }
    // A robot whose link dies goes offline through its last will; the others stay online.
    let tank3 = robots.remove(2);
    tank3.agent.kill_link().await.expect("kill tank-3's link");
    let view = app.wait_for_robot_state("tank-3", "offline", SOON).await;
    let reason = view.status.as_ref().and_then(|s| s.reason.as_deref());
    assert_eq!(reason, Some("link lost"), "{view:?}");
    let robots_now = app.get("/api/robots").await;
    let online = in_state(&robots_now.json::<Vec<RobotView>>(), "online").len();
    assert_eq!(online, 4, "{robots_now:?}");
    let reply = command(&app, "tank-3", json!({"kind": "stop"})).await;
    assert_eq!(reply.status, 409, "{reply:?}");
    assert_eq!(
        reply.json::<CommandAnswer>().outcome_name(),
        "robot_offline"
    );

    // ...and the deaths, commands and acks too.
    for (robot, kind, at_least) in [
        ("tank-1", "command", 1),
        ("tank-1", "ack", 1),
        ("tank-5", "command", 1),
        ("tank-5", "ack", 1),
        // online then offline; the birth then the last will
        ("tank-3", "state", 2),
        ("tank-3", "status", 2),
    ] {
        let rows = format!("session_id = {session} AND robot_id = '{robot}' AND kind = '{kind}'");
        db.wait_for_rows(&rows, at_least, SOON).await;
    }
    let states = db.payloads("tank-3", "state").await;
    let last: Value = serde_json::from_str(states.last().expect("a state row")).expect("JSON");
    assert_eq!(
        (&last["to"], &last["reason"]),
        (&json!("offline"), &json!("link lost"))
    );
    db.close().await;

    let stats = app.stop().await.stats;
    assert_eq!((stats.dropped, stats.lost), (0, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_robots_on_the_embedded_broker_are_supervised_commanded_and_recorded() {
    let app = TestApp::spawn(|_| {}).await;
    five_robots_are_supervised_commanded_and_recorded(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_robots_on_an_external_mosquitto_are_supervised_commanded_and_recorded() {
    let broker = Broker::start().await;
    let app = TestApp::spawn(|s| {
        s.broker = BrokerEndpoint::External(broker.address());
    })
    .await;
    assert_eq!(
        app.broker.port,
        broker.port(),
        "robots use the external broker"
    );
    five_robots_are_supervised_commanded_and_recorded(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_session_records_what_happened_during_it_and_nothing_after() {
    let app = TestApp::spawn(|_| {}).await;
    let _robots = [
        spawn_sim_robot_on(app.robot_broker("s-1"), "s-1", |_, _| {}).await,
        spawn_sim_robot_on(app.robot_broker("s-2"), "s-2", |_, _| {}).await,
    ];
    app.wait_for_robots(SOON, "two robots online", |r| {
        in_state(r, "online").len() == 2
    })
    .await;

    let started = app
        .post("/api/sessions", &json!({"name": "lesson 1"}))
        .await;
    assert_eq!(started.status, 201, "{started:?}");
    assert_eq!(started.body["name"], "lesson 1");
    assert_eq!(started.body["running"], true);
    let lesson = started.body["id"].as_i64().expect("id");
    assert_eq!(running_session(&app).await["id"], lesson);

    let db = Recording::open(&app.db_path).await;
    let in_lesson = format!("session_id = {lesson} AND kind = 'telemetry'");
    db.wait_for_rows(&in_lesson, 20, SOON).await;

    let stopped = app.post_raw("/api/sessions/stop", "").await;
    assert_eq!(stopped.status, 200, "{stopped:?}");
    assert_eq!(
        (stopped.body["id"].as_i64(), &stopped.body["running"]),
        (Some(lesson), &json!(false))
    );
    assert!(
        stopped.body["stopped_at_ms"].as_i64().is_some(),
        "{stopped:?}"
    );
    let after = running_session(&app).await;
    assert_ne!(after["id"], lesson, "records now go to another session");

    // Once the next session has rows on disk, the lesson's count must be final.
    let next = format!("session_id = {} AND kind = 'telemetry'", after["id"]);
    db.wait_for_rows(&next, 1, SOON).await;
    let on_disk = db.count_records(&format!("session_id = {lesson}")).await;
    let listed = app.get("/api/sessions").await;
    let lesson_view = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == lesson)
        .cloned()
        .expect("the lesson is listed");
    assert_eq!(lesson_view["records"], on_disk, "{lesson_view}");
    assert_eq!(lesson_view["dropped"], 0);
    assert_eq!(lesson_view["running"], false);
    // The lesson holds only its own period: the robots' births came before it, so it holds
    // telemetry and nothing else.
    let not_telemetry = db
        .count_records(&format!("session_id = {lesson} AND kind != 'telemetry'"))
        .await;
    assert_eq!(
        not_telemetry,
        0,
        "{}",
        db.summary(&format!("session_id = {lesson}")).await
    );

    // Starting a session while another runs stops the first one.
    let a = app.post("/api/sessions", &json!({"name": "run A"})).await;
    let b = app.post("/api/sessions", &json!({"name": "run B"})).await;
    assert_eq!((a.status, b.status), (201, 201));
    let listed = app.get("/api/sessions").await;
    let run_a = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == a.body["id"])
        .cloned();
    assert_eq!(run_a.expect("run A listed")["running"], false);
    assert_eq!(running_session(&app).await["id"], b.body["id"]);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_orchestrator_flushes_every_accepted_record_to_the_file() {
    // `--sim 3`: the in-process simulated robots, streaming telemetry until the very end.
    let app = TestApp::spawn(|s| s.sim = 3).await;
    app.wait_for_robots(SOON, "three simulated robots online", |r| {
        in_state(r, "online").len() == 3
    })
    .await;
    wait_until(SOON, "some records written", || {
        app.recorder_stats().written > 30
    })
    .await;

    let stopped = app.stop().await;
    let stats = stopped.stats;
    assert_eq!(
        (stats.dropped, stats.lost, stats.pending),
        (0, 0, 0),
        "{stats:?}"
    );
    assert_eq!(
        stats.written, stats.received,
        "every accepted record written: {stats:?}"
    );

    let db = Recording::open(&stopped.db_path).await;
    let rows = db.scalar("SELECT COUNT(*) FROM records").await;
    assert_eq!(rows as u64, stats.written, "rows in the file");
    let running = db
        .scalar("SELECT COUNT(*) FROM sessions WHERE stopped_at_ms IS NULL")
        .await;
    assert_eq!(running, 0, "the session is closed at shutdown");
    let dropped = db
        .scalar("SELECT COALESCE(SUM(dropped), 0) FROM sessions")
        .await;
    assert_eq!(dropped, 0);
    db.close().await;
}
