//! The orchestrator as the course's game master, end to end: the real server with its embedded
//! broker, and students' robots played by plain MQTT clients that write the legacy protocol by
//! hand (tests/support/legacy_robot.rs), so what is checked is the wire format itself.

use fleet_tests::TestApp;
use fleet_tests::db::Recording;
use fleet_tests::legacy_robot::LegacyRobot;
use serde_json::{Value, json};

const RED: &str = "RASPTANK-BASE-RED";
const BLUE: &str = "RASPTANK-BASE-BLUE";

/// A server with a game named `name` in registration, made through the API.
async fn game(name: &str, settings: Value) -> TestApp {
    let app = TestApp::spawn(|_| {}).await;
    let mut body = json!({ "name": name });
    for (k, v) in settings.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let made = app.post("/api/games", &body).await;
    assert_eq!(made.status, 201, "{made:?}");
    app
}

async fn start(app: &TestApp) -> Value {
    let started = app.post("/api/games/current/start", &json!({})).await;
    assert_eq!(started.status, 200, "{started:?}");
    started.body
}

/// The ids of the players a game view lists.
fn player_ids(view: &Value) -> Vec<&str> {
    view["players"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str())
        .collect()
}

async fn show(app: &TestApp) -> Value {
    let shown = app.get("/api/games/current").await;
    assert_eq!(shown.status, 200, "{shown:?}");
    shown.body
}

/// Robots `0x...01`, `0x...02`, ...: registered in that order, so red, blue, red, blue.
async fn players(app: &TestApp, n: usize) -> Vec<LegacyRobot> {
    let mut robots = Vec::new();
    for i in 1..=n {
        let robot = LegacyRobot::connect(app, &format!("0xdca632bf91{i:02x}")).await;
        robot.register().await;
        robots.push(robot);
    }
    robots
}

/// `robot` takes the flag: enters the zone and waits out the capture.
async fn capture(robot: &LegacyRobot) {
    robot.enter().await;
    robot.wait_for("flag", "FLAG_CATCHED").await;
    robot.exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_balances_the_teams_gives_each_its_code_then_end_and_refuses_a_late_init() {
    let app = game("registration", json!({})).await;
    let mut registered = Vec::new();
    let mut robots = Vec::new();
    for i in 1..=4 {
        let robot = LegacyRobot::connect(&app, &format!("0xdca632bf91{i:02x}")).await;
        registered.push(robot.register().await);
        assert_eq!(robot.heard_on("init").len(), 3, "{:?}", robot.heard());
        robots.push(robot);
    }
    let team = |t: &str, code: &str| (t.to_owned(), code.to_owned());
    assert_eq!(
        registered,
        vec![
            team("RED", RED),
            team("BLUE", BLUE),
            team("RED", RED),
            team("BLUE", BLUE)
        ]
    );
    start(&app).await;

    let late = LegacyRobot::connect(&app, "0xdca632bf91ff").await;
    late.init().await;
    late.wait_for("init", "GAME_ALREADY_STARTED").await;
    assert_eq!(late.heard(), vec!["init GAME_ALREADY_STARTED"]);
    // A registered robot that restarted gets its team again.
    assert_eq!(robots[1].register().await, team("BLUE", BLUE));

    let view = show(&app).await;
    assert_eq!(view["phase"], "running");
    assert_eq!(view["players"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        view["teams"][0]["players"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_is_aborted_by_leaving_the_zone_and_by_a_shot_and_needs_a_new_entry() {
    let app = game("aborts", json!({ "capture_time_ms": 3000 })).await;
    let robots = players(&app, 2).await;
    let (red, blue) = (&robots[0], &robots[1]);
    start(&app).await;

    red.enter().await;
    red.wait_for("flag", "START_CATCHING").await;
    red.exit().await;
    red.wait_for("flag", "ABORT_CATCHING_EXIT").await;

    red.enter().await;
    red.wait_for("flag", "START_CATCHING").await;
    red.shot_by(blue).await;
    red.wait_for("flag", "ABORT_CATCHING_SHOT").await;
    assert_eq!(red.wait_on("shots/in", 1).await, ["SHOT"]);
    assert_eq!(blue.wait_on("shots/out", 1).await, ["SHOT"]);
    assert_eq!(
        red.heard_on("flag"),
        [
            "START_CATCHING",
            "ABORT_CATCHING_EXIT",
            "START_CATCHING",
            "ABORT_CATCHING_SHOT"
        ]
    );
    // Still in the zone, but the capture is over: nobody is capturing the flag.
    let view = show(&app).await;
    assert_eq!(view["flag"]["state"], "in_zone", "{view}");
    assert_eq!(view["scores"]["robots"][&red.id]["hits_taken"], 1);
    assert_eq!(view["scores"]["robots"][&blue.id]["hits_given"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friendly_fire_is_told_to_the_shooter_only_and_counted_for_it() {
    let app = game("friendly", json!({})).await;
    let robots = players(&app, 3).await;
    let (red, red2) = (&robots[0], &robots[2]);
    start(&app).await;

    red2.shot_by(red).await;
    assert_eq!(red.wait_on("shots/out", 1).await, ["FRIENDLY_FIRE"]);
    // What the victim hears after a later answer shows it heard nothing of the shot.
    red2.register().await;
    assert!(red2.heard_on("shots/in").is_empty(), "{:?}", red2.heard());
    assert!(red2.heard_on("flag").is_empty(), "{:?}", red2.heard());

    let view = show(&app).await;
    assert_eq!(view["scores"]["robots"][&red.id]["friendly_fire"], 1);
    assert_eq!(view["scores"]["robots"][&red2.id]["hits_taken"], 0);
    assert_eq!(view["scores"]["teams"]["red"]["friendly_fire"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_qr_code_fails_the_scan_and_a_scan_without_the_flag_says_no_flag() {
    let app = game("scans", json!({})).await;
    let robots = players(&app, 2).await;
    let red = &robots[0];
    start(&app).await;

    red.scan(BLUE).await;
    red.wait_for("qr_code", "SCAN_FAILED").await;
    red.scan(RED).await;
    red.wait_for("flag", "NO_FLAG").await;
    assert_eq!(red.heard_on("qr_code"), ["SCAN_FAILED", "SCAN_SUCCESSFUL"]);
    assert_eq!(red.heard_on("flag"), ["NO_FLAG"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_who_is_shot_loses_the_flag_which_returns_to_the_zone() {
    let app = game("lost", json!({ "capture_time_ms": 200 })).await;
    let robots = players(&app, 2).await;
    let (red, blue) = (&robots[0], &robots[1]);
    start(&app).await;

    capture(red).await;
    assert_eq!(show(&app).await["flag"]["by"], red.id.as_str());
    red.shot_by(blue).await;
    red.wait_for("flag", "FLAG_LOST").await;
    assert_eq!(show(&app).await["flag"]["state"], "in_zone");
    // Back in the zone: the other team can take it.
    capture(blue).await;
    let view = show(&app).await;
    assert_eq!(view["flag"]["by"], blue.id.as_str());
    assert_eq!(view["scores"]["robots"][&red.id]["flags_lost"], 1);
    assert_eq!(view["scores"]["robots"][&red.id]["captures"], 1);
    assert_eq!(view["scores"]["robots"][&blue.id]["captures"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn win_goes_to_every_player_at_exactly_the_configured_count_and_is_recorded() {
    let app = game(
        "to two",
        json!({ "capture_time_ms": 200, "flags_to_win": 2 }),
    )
    .await;
    let robots = players(&app, 4).await;
    let red = &robots[0];
    start(&app).await;

    capture(red).await;
    red.scan(RED).await;
    red.wait_for("flag", "FLAG_DEPOSITED").await;
    assert_eq!(show(&app).await["phase"], "running", "one flag is not two");

    capture(red).await;
    red.scan(RED).await;
    for robot in &robots {
        robot.wait_for("flag", "WIN RED").await;
        let wins = robot.heard_on("flag");
        let wins: Vec<&String> = wins.iter().filter(|p| p.starts_with("WIN")).collect();
        assert_eq!(wins, ["WIN RED"], "{}", robot.id);
    }
    let view = show(&app).await;
    assert_eq!(view["phase"], "ended");
    assert_eq!(view["winner"], "red");
    assert_eq!(view["scores"]["teams"]["red"]["deposits"], 2);
    assert!(view["ended_at_ms"].is_i64(), "{view}");

    let stopped = app.stop().await;
    let recording = Recording::open(&stopped.db_path).await;
    let win = recording
        .count_records(
            "kind = 'game' AND topic LIKE 'tanks/%/flag' AND CAST(payload AS TEXT) = 'WIN RED'",
        )
        .await;
    assert_eq!(win, 4, "one recorded WIN per player");
    let inits = recording
        .count_records("kind = 'game' AND topic = 'init'")
        .await;
    assert_eq!(inits, 4);
    let ended = recording
        .count_records("kind = 'game' AND topic = 'game/ended'")
        .await;
    assert_eq!(ended, 1, "the final score is recorded with the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_legacy_topics_is_refused_and_counted_and_the_master_still_answers() {
    let app = game("garbage", json!({})).await;
    let robots = players(&app, 2).await;
    let red = &robots[0];
    start(&app).await;

    let junk: Vec<(&str, Vec<u8>)> = vec![
        ("init", b"INIT".to_vec()),
        ("init", b"".to_vec()),
        ("init", b"HELLO 0x01".to_vec()),
        ("init", vec![0xff, 0xfe, 0x00]),
        ("init", vec![b'A'; 10_000]),
        ("tanks/0xdca632bf9101/flag", b"DANCE".to_vec()),
        ("tanks/0xdca632bf9101/shots", b"SHOT_BY".to_vec()),
        ("tanks/0xdca632bf9101/shots", b"SHOT_BY 0xzz".to_vec()),
        (
            "tanks/0xdca632bf9101/shots",
            b"SHOT_BY 0xf2dca632bf9102".to_vec(),
        ),
        ("tanks/0xdca632bf9101/qr_code", b"QR_CODE".to_vec()),
    ];
    let count = junk.len() + 1;
    for (topic, payload) in junk {
        red.publish_raw(topic, payload).await;
    }
    // Forged: another robot's topic. The broker's access control drops it before the master.
    red.publish_raw("tanks/0xdca632bf9102/flag", "ENTER_FLAG_AREA")
        .await;
    // A robot that never registered.
    let stranger = LegacyRobot::connect(&app, "0xdca632bf91ee").await;
    stranger.enter().await;
    // The master still plays: a capture starts.
    red.enter().await;
    red.wait_for("flag", "START_CATCHING").await;
    let counted = |view: &Value| {
        let refused: u64 = view["refused"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        refused + view["ignored"]["unknown_robot"].as_u64().unwrap_or(0)
    };
    let view = app
        .poll_get(
            "/api/games/current",
            std::time::Duration::from_secs(10),
            |r| counted(&r.body) >= count as u64,
        )
        .await
        .unwrap_or_else(|r| panic!("not every bad message counted: {r:?}"))
        .body;
    assert_eq!(counted(&view), count as u64, "{view}");
    assert_eq!(
        view["ignored"].as_object().map(|m| m.len()),
        Some(1),
        "{view}"
    );
    assert!(stranger.heard().is_empty(), "{:?}", stranger.heard());
    assert_eq!(
        red.heard_on("flag"),
        ["START_CATCHING"],
        "{:?}",
        red.heard()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_that_announce_themselves_with_no_game_open_register_when_the_next_is_made() {
    let app = TestApp::spawn(|_| {}).await;
    let early = LegacyRobot::connect(&app, "0xdca632bf9101").await;
    early.init().await;
    // The INIT is heard (it is recorded) before the game exists.
    Recording::open(&app.db_path)
        .await
        .wait_for_rows(
            "kind = 'game' AND topic = 'init'",
            1,
            std::time::Duration::from_secs(10),
        )
        .await;
    assert!(early.heard().is_empty(), "{:?}", early.heard());
    let made = app.post("/api/games", &json!({ "name": "first" })).await;
    assert_eq!(made.status, 201, "{made:?}");
    assert_eq!(
        early.wait_on("init", 3).await,
        ["TEAM RED", "QR_CODE RASPTANK-BASE-RED", "END"]
    );
    assert_eq!(
        app.post("/api/games/current/end", &json!({})).await.status,
        200
    );

    let between = LegacyRobot::connect(&app, "0xdca632bf9102").await;
    between.init().await;
    let made = app.post("/api/games", &json!({ "name": "second" })).await;
    assert_eq!(made.status, 201, "{made:?}");
    assert_eq!(between.wait_on("init", 3).await[0], "TEAM RED");
    assert_eq!(
        show(&app).await["players"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_access_control_on_a_legacy_robot_cannot_register_another_robots_id() {
    // Open, the forged INIT registers the other robot (red) before the forger (blue): the
    // control that shows what the access check prevents.
    for open in [true, false] {
        let app = TestApp::spawn(|s| s.open = open).await;
        let made = app.post("/api/games", &json!({ "name": "forgery" })).await;
        assert_eq!(made.status, 201, "{made:?}");
        let forger = LegacyRobot::connect(&app, "0xdca632bf9101").await;
        forger.publish_raw("init", "INIT 0xdca632bf9102").await;
        // Sent after the forged one on the same connection: answered after it, if it passed.
        let (team, _) = forger.register().await;
        let view = show(&app).await;
        let ids = player_ids(&view);
        if open {
            assert_eq!(team, "BLUE", "open: {view}");
            assert!(ids.contains(&"0xdca632bf9102"), "open: {view}");
            continue;
        }
        assert_eq!(team, "RED", "{view}");
        assert_eq!(ids, ["0xdca632bf9101"], "{view}");
        // The robot whose id was forged registers itself as usual.
        let own = LegacyRobot::connect(&app, "0xdca632bf9102").await;
        assert_eq!(own.register().await.0, "BLUE");
        let stopped = app.stop().await;
        let recording = Recording::open(&stopped.db_path).await;
        let forged = recording
            .count_records("kind = 'game' AND CAST(payload AS TEXT) = 'INIT 0xdca632bf9102'")
            .await;
        assert_eq!(forged, 1, "only the robot's own INIT reached the master");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_access_control_on_a_students_robot_plays_on_its_enrolled_robot_credential() {
    let app = TestApp::spawn(|s| s.open = false).await;
    let made = app.post("/api/games", &json!({ "name": "enrolled" })).await;
    assert_eq!(made.status, 201, "{made:?}");
    // Enrolled as any robot is (username = client id = its id), not as a legacy credential.
    let id = fleet_protocol::RobotId::parse("0xdca632bf9111").unwrap();
    let broker = app
        .access
        .robot_login(&app.broker, &id)
        .expect("a robot's credential");
    let student = LegacyRobot::connect_to(&broker, id.as_str(), id.as_str()).await;
    let forged_before = show(&app).await["players"].as_array().map_or(0, Vec::len);
    student.publish_raw("init", "INIT 0xdca632bf9112").await;
    let (team, code) = student.register().await;
    assert!(["RED", "BLUE"].contains(&team.as_str()), "{team}");
    assert!(!code.is_empty());
    let view = show(&app).await;
    let ids = player_ids(&view);
    assert_eq!(forged_before, 0);
    // Its answers (TEAM, QR_CODE, END) came on its own topic, which it may read.
    assert_eq!(ids, [id.as_str()], "only its own INIT got through: {view}");
}
