//! A whole game played by six of the project's agents in game mode (three a team) on the
//! simulated arena, against the real orchestrator: the script moves the robots by hand and
//! fires their guns through the API; the agents sense zones, scan bases and feel hits
//! themselves and speak the legacy protocol. Played to the end, recorded, replayed (the game's
//! records come back in order under `replay/`, the final scores with them) and scored. And
//! `robot-agent --game` on the robot's own enrolled credential, with access control on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;
use fleet_course::Course;
use fleet_game::Team;
use fleet_protocol::Pose;
use fleet_tests::cli::run_cli;
use fleet_tests::db::Recording;
use fleet_tests::game_agents::{GameAgent, spawn_game_agent};
use fleet_tests::{Broker, Observer, TestApp, collect_feed, start_agent, wait_until};
use orchestrator::contract::roster::Enrolled;
use robot_agent::config::{Cli, FileConfig, Settings};
use robot_agent::hal::sim::{self, ArenaSeat, SimArena, SimConfig};
use serde_json::{Value, json};
use sqlx::Row;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);
// The arena: the line along y = 1.0 from x 0.2 to 3.4, the red base over x 0.30..0.60, the
// capture zone over 1.65..1.95, the blue base over 3.00..3.30.
const LINE: f64 = 1.0;
const EAST: f64 = 0.0;
const WEST: f64 = 180.0;
/// Standing across the line (sensors on it), out of every shot along it.
const ACROSS: f64 = 90.0;

async fn shoot(app: &TestApp, robot: &GameAgent) {
    let shot = app
        .post(
            &format!("/api/robots/{}/commands", robot.id),
            &json!({ "kind": "shoot" }),
        )
        .await;
    assert_eq!(shot.status, 200, "{shot:?}");
    assert_eq!(shot.body["outcome"], "acked", "{shot:?}");
}

/// A red robot takes the flag from the west and leaves the zone with it.
async fn capture_from_west(robot: &GameAgent, catches: usize) {
    robot.place(1.40, LINE, EAST);
    robot.place(1.80, LINE, EAST);
    robot.wait_heard("FLAG_CATCHED", catches).await;
    robot.place(1.40, LINE, EAST);
}

/// Brings the flag to the red base (its scanner reads the code there) and parks by the line.
async fn deposit_red(robot: &GameAgent, deposits: usize, park_x: f64) {
    robot.place(0.75, LINE, WEST);
    robot.place(0.45, LINE, WEST);
    robot.wait_heard("FLAG_DEPOSITED", deposits).await;
    robot.place(0.75, LINE, WEST);
    robot.place(park_x, LINE - 0.06, ACROSS);
}

async fn game_view(app: &TestApp) -> Value {
    app.get("/api/games/current").await.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_agents_in_game_mode_play_a_game_to_red_s_third_flag_recorded_and_scored() {
    let app = TestApp::spawn(|_| {}).await;
    let made = app
        .post(
            "/api/games",
            &json!({ "name": "six agents", "capture_time_ms": 300 }),
        )
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    let arena = SimArena::new();
    // Registered one after the other, so red, blue, red, blue, red, blue; parked off the line.
    let mut robots = Vec::new();
    for i in 1..=6u32 {
        let y = if i % 2 == 1 { 0.3 } else { 1.7 };
        let start = Pose {
            x: 0.4 + 0.5 * f64::from(i),
            y,
            heading: 0.0,
        };
        let id = format!("0x5100000000{i:02x}");
        robots.push(spawn_game_agent(&app, &id, &arena, start).await);
    }
    for (i, robot) in robots.iter().enumerate() {
        let team = if i % 2 == 0 { Team::Red } else { Team::Blue };
        assert_eq!(robot.player.state().team, Some(team), "{}", robot.id);
    }
    let [r1, b1, r2, b2, r3, b3] = &robots[..] else {
        panic!("six robots");
    };
    for robot in &robots {
        app.poll_get(&format!("/api/robots/{}", robot.id), WAIT, |r| {
            r.body["telemetry"].is_object()
        })
        .await
        .unwrap_or_else(|r| panic!("{} never reported its sensors: {r:?}", robot.id));
    }
    let started = app.post("/api/games/current/start", &json!({})).await;
    assert_eq!(
        started.status, 200,
        "every agent online and reporting: {started:?}"
    );

    // Red's first flag.
    capture_from_west(r1, 1).await;
    deposit_red(r1, 1, 0.70).await;

    // Blue starts a capture from the east; red shoots it out of it.
    b1.place(2.20, LINE, WEST);
    b1.place(1.80, LINE, WEST);
    b1.wait_heard("START_CATCHING", 1).await;
    r2.place(1.20, LINE, EAST);
    shoot(&app, r2).await;
    b1.wait_heard("ABORT_CATCHING_SHOT", 1).await;
    wait_until(WAIT, "b1 to hold still, LEDs blinking", || {
        b1.player.state().immobilised
    })
    .await;
    assert_eq!(b1.sim.motors(), Default::default());
    b1.place(2.20, LINE, WEST);
    b1.place(2.80, LINE - 0.06, ACROSS);
    r2.place(0.90, LINE - 0.06, ACROSS);

    // Blue hits its own team-mate.
    b3.place(2.10, LINE, WEST);
    b2.place(2.40, LINE, WEST);
    shoot(&app, b2).await;
    b2.wait_heard("FRIENDLY_FIRE", 1).await;
    b3.place(2.90, LINE - 0.06, ACROSS);

    // Red takes the flag, and loses it to a blue shot.
    capture_from_west(r3, 1).await;
    r3.place(1.80, LINE, EAST);
    r3.wait_heard("ALREADY_GOT", 1).await;
    shoot(&app, b2).await;
    r3.wait_heard("FLAG_LOST", 1).await;
    r3.place(1.40, LINE, EAST);
    r3.place(1.10, LINE - 0.06, ACROSS);

    // Red's second and third flags: the third wins.
    capture_from_west(r1, 2).await;
    deposit_red(r1, 2, 0.70).await;
    // r3's hold from the hit is over by now (2 s): it plays again.
    capture_from_west(r3, 2).await;
    deposit_red(r3, 1, 0.80).await;
    for robot in &robots {
        robot.wait_heard("WIN RED", 1).await;
        assert_eq!(robot.player.state().winner, Some(Team::Red), "{}", robot.id);
    }

    let view = game_view(&app).await;
    assert_eq!(view["phase"], "ended");
    assert_eq!(view["winner"], "red");
    let score = |robot: &GameAgent, what: &str| view["scores"]["robots"][&robot.id][what].clone();
    assert_eq!(score(r1, "captures"), 2);
    assert_eq!(score(r1, "deposits"), 2);
    assert_eq!(score(r2, "hits_given"), 1);
    assert_eq!(score(b1, "hits_taken"), 1);
    assert_eq!(score(b2, "friendly_fire"), 1);
    assert_eq!(score(b2, "hits_given"), 1);
    assert_eq!(score(r3, "captures"), 2);
    assert_eq!(score(r3, "flags_lost"), 1);
    assert_eq!(score(r3, "deposits"), 1);
    assert_eq!(view["scores"]["teams"]["red"]["deposits"], 3);
    assert_eq!(view["scores"]["teams"]["blue"]["deposits"], 0);
    assert!(
        view["players"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p["kind"] == "agent")
    );

    let stopped = app.stop().await;
    let recording = Recording::open(&stopped.db_path).await;
    let ended = recording
        .count_records("kind = 'game' AND topic = 'game/ended'")
        .await;
    assert_eq!(ended, 1);
    let shots = recording
        .count_records("kind = 'game' AND topic LIKE 'tanks/%/shots' AND CAST(payload AS TEXT) LIKE 'SHOT_BY 0xf1%'")
        .await;
    assert_eq!(shots, 3, "three hits reported by the agents' receivers");
    let poses = recording
        .count_records("kind = 'telemetry' AND CAST(payload AS TEXT) LIKE '%\"pose\"%'")
        .await;
    assert!(poses > 0, "the robots' poses are recorded for a replay");
    let session = recording
        .scalar("SELECT session_id FROM records WHERE topic = 'game/ended'")
        .await;
    recording.close().await;

    // Replayed: `orchestrator replay` of the session, the game's topics only, to a Mosquitto.
    let want = game_records(&stopped.db_path, session).await;
    assert!(want.len() > 50, "{} game records", want.len());
    let broker = Broker::start().await;
    let (tx, mut feed) = mpsc::unbounded_channel();
    let _watch = Observer::connect_with_feed(&broker.address(), &["#"], Some(tx)).await;
    let url = format!("mqtt://127.0.0.1:{}", broker.port());
    let db = stopped.db_path.to_str().expect("a UTF-8 path").to_owned();
    let session = session.to_string();
    let args = [
        "replay",
        &session,
        "--rate",
        "20",
        "--topics",
        "init,tanks/#,game/#",
        "--db",
        &db,
        "--broker",
        &url,
    ];
    run_cli(&args).await.expect("replay the game");
    let got = collect_feed(&mut feed, want.len()).await;
    assert_eq!(got.len(), want.len(), "replayed game records");
    assert!(
        collect_feed(&mut feed, 1).await.is_empty(),
        "nothing but the game"
    );
    for (i, (g, (topic, payload))) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.topic, format!("replay/{topic}"), "record {i}");
        assert_eq!(&g.payload, payload, "record {i} on {topic}");
    }
    let topics: Vec<&str> = got.iter().map(|g| g.topic.as_str()).collect();
    let order = ["created", "started", "ended"].map(|e| {
        topics
            .iter()
            .position(|t| *t == format!("replay/game/{e}"))
            .unwrap_or_else(|| panic!("no game/{e} replayed"))
    });
    assert!(order[0] < order[1] && order[1] < order[2], "{order:?}");
    // Scored: the replayed end of the game carries the scores the live game view showed.
    let ended: Value = serde_json::from_slice(&got[order[2]].payload).expect("game/ended JSON");
    assert_eq!(ended["scores"], view["scores"]);
    assert_eq!(ended["winner"], "red");
}

/// The session's game records (topic, payload) in replay order.
async fn game_records(db: &std::path::Path, session: i64) -> Vec<(String, Vec<u8>)> {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db)
                .read_only(true),
        )
        .await
        .expect("open the recording");
    let rows = sqlx::query(
        "SELECT topic, payload FROM records WHERE session_id = ? AND kind = 'game' \
         ORDER BY at_ms, id",
    )
    .bind(session)
    .fetch_all(&pool)
    .await
    .expect("read the game records");
    pool.close().await;
    rows.iter()
        .map(|r| (r.get("topic"), r.get("payload")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_with_game_on_plays_on_its_enrolled_credential_with_access_control_on() {
    let app = TestApp::spawn(|_| {}).await;
    assert!(
        app.access.registry().is_some(),
        "the broker enforces access"
    );
    let made = app
        .post(
            "/api/games",
            &json!({ "name": "enrolled", "capture_time_ms": 300 }),
        )
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    // As on the robot: `robots enroll` prints its environment file, then `robot-agent --game`.
    let id = "0x5200000000a1";
    let enrolled = app
        .post(&format!("/api/robots/{id}/enroll"), &json!(null))
        .await;
    assert_eq!(enrolled.status, 201, "{enrolled:?}");
    let env = enrolled.json::<Enrolled>().env_file();
    let value = |key: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {env}"))
            .to_owned()
    };
    let url = value("ROBOT_AGENT_BROKER");
    let cli = Cli::try_parse_from([
        "robot-agent",
        "--id",
        &value("ROBOT_AGENT_ID"),
        "--broker",
        &url,
        "--broker-user",
        &value("ROBOT_AGENT_BROKER_USER"),
        "--broker-password",
        &value("ROBOT_AGENT_BROKER_PASSWORD"),
        "--game",
    ])
    .expect("valid flags");
    let settings = Settings::merge(cli, FileConfig::default(), || unreachable!("id given"))
        .expect("valid settings");
    let mut config = SimConfig::new(Course::arena());
    config.start = Some(Pose {
        x: 1.0,
        y: 0.3,
        heading: 0.0,
    });
    config.arena = Some(ArenaSeat {
        arena: SimArena::new(),
        mac: 0x5200_0000_00a1,
    });
    let (mut hardware, sim) = sim::spawn(config);
    let player = robot_agent::game::start(&settings, &mut hardware)
        .expect("a course-style id")
        .expect("game mode on");
    let agent = start_agent(settings.agent.clone(), hardware).await;
    // The game connection must not take the agent's session over (nor the other way round).
    let dropped = Arc::new(AtomicBool::new(false));
    let mut states = agent.watch_state();
    let seen = dropped.clone();
    let watcher = tokio::spawn(async move {
        while states.changed().await.is_ok() {
            if !states.borrow().link_up {
                seen.store(true, Ordering::SeqCst);
            }
        }
    });
    wait_until(WAIT, "the agent to register on its own credential", || {
        player.state().registered
    })
    .await;
    assert_eq!(player.state().team, Some(Team::Red));
    app.poll_get(&format!("/api/robots/{id}"), WAIT, |r| {
        r.body["telemetry"].is_object()
    })
    .await
    .unwrap_or_else(|r| panic!("the agent never reported its sensors: {r:?}"));
    let started = app.post("/api/games/current/start", &json!({})).await;
    assert_eq!(started.status, 200, "{started:?}");
    // It plays: its zone messages go through and are answered.
    sim.set_pose(Pose {
        x: 1.40,
        y: LINE,
        heading: 0.0,
    });
    sim.set_pose(Pose {
        x: 1.80,
        y: LINE,
        heading: 0.0,
    });
    wait_until(WAIT, "the capture to start and end", || {
        player.state().carrying
    })
    .await;
    let view = game_view(&app).await;
    let players = view["players"].as_array().cloned().unwrap_or_default();
    assert_eq!(players.len(), 1, "{view}");
    assert_eq!(players[0]["id"], id);
    assert_eq!(players[0]["kind"], "agent");
    // The agent's own link stayed up throughout, and still answers commands.
    let shot = app
        .post(
            &format!("/api/robots/{id}/commands"),
            &json!({ "kind": "shoot" }),
        )
        .await;
    assert_eq!(shot.body["outcome"], "acked", "{shot:?}");
    assert!(!dropped.load(Ordering::SeqCst), "the agent's link dropped");
    assert!(agent.state().listening);
    assert_eq!(player.state().link_errors, 0, "{:?}", player.state());
    watcher.abort();

    // Revoking the robot cuts both of its connections off.
    let revoked = app.delete(&format!("/api/robots/{id}/enroll")).await;
    assert_eq!(revoked.status, 200, "{revoked:?}");
    wait_until(WAIT, "both connections to drop", || {
        !agent.state().link_up && !player.state().connected
    })
    .await;

    // Without a credential the broker refuses the game connection: it never registers.
    let anonymous = Cli::try_parse_from([
        "robot-agent",
        "--id",
        "0x5200000000a2",
        "--broker",
        &url,
        "--game",
    ])
    .expect("valid flags");
    let anonymous = Settings::merge(anonymous, FileConfig::default(), || unreachable!())
        .expect("valid settings");
    let (mut hardware, _sim) = sim::spawn(SimConfig::new(Course::arena()));
    let refused = robot_agent::game::start(&anonymous, &mut hardware)
        .expect("a course-style id")
        .expect("game mode on");
    wait_until(
        WAIT,
        "the broker to refuse an anonymous game connection",
        || refused.state().link_errors >= 2,
    )
    .await;
    let state = refused.state();
    assert!(!state.connected && !state.registered, "{state:?}");
    assert!(state.heard.is_empty(), "{state:?}");
}
