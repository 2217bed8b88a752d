//! A real Mosquitto configured by `broker-config` enforces the same rules as the embedded
//! broker (issue 9, item 4), with the orchestrator using it as its external broker: an
//! anonymous client is refused, a robot's credential cannot publish another robot's `cmd` or
//! `fleet/cmd` (a latched estop stays latched, the other robot does not move), and a student's
//! plain MQTT client drives its own robot through the relay and not a neighbour's. And the
//! game (issue 12) behind it: a students' robot on its enrolled credential, and an agent's
//! game connection (`<id>@game`), register with the orchestrator's game master and reach
//! their own `tanks/{id}/...` topics, never another robot's.

use std::time::Duration;

use fleet_protocol::{
    Backend, BrokerAddress, CommandKind, Credentials, Status, encode, student_topic, topic,
};
use fleet_tests::legacy_robot::LegacyRobot;
use fleet_tests::raw_mqtt::RawClient;
use fleet_tests::{Broker, Observer, TestApp, command, robot_id, spawn_sim_robot_on, wait_until};
use orchestrator::broker::BrokerEndpoint;
use orchestrator::cli::broker_config::{self, BrokerConfig};
use orchestrator::contract::roster::{Enrolled, ImportReport, RosterImport};
use orchestrator::domain::CommandOutcome;
use orchestrator::roster::StudentAnswer;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

fn login(broker: &Broker, username: &str, password: &str) -> BrokerAddress {
    let mut address = broker.address();
    address.credentials = Some(Credentials {
        username: username.into(),
        password: password.into(),
    });
    address
}

/// A plain rumqttc client as `client_id`, connected (its event loop polled in the background).
async fn plain_client(broker: &BrokerAddress, client_id: &str) -> AsyncClient {
    let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
    if let Some(c) = &broker.credentials {
        options.set_credentials(c.username.clone(), c.password.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    let (connected, mut rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::ConnAck(_)) = event {
                let _ = connected.try_send(());
            }
        }
    });
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("a ConnAck");
    client
}

/// A status from `id` that a test can recognise.
fn marker(id: &fleet_protocol::RobotId) -> Vec<u8> {
    encode(&Status::online(
        id.clone(),
        "marker",
        Backend::Sim,
        vec![],
        3,
    ))
}

/// A Mosquitto configured by `broker-config` and an orchestrator using it, on a fresh database.
struct Classroom {
    // Fields drop in this order: the orchestrator, then its broker, then the folder.
    app: TestApp,
    mosquitto: Broker,
    config: BrokerConfig,
    db: std::path::PathBuf,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Classroom {
    async fn start() -> Classroom {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("class.db");
        let out = dir.path().join("mosquitto");
        // First run, before anything is enrolled: the orchestrator's own user.
        let config = broker_config::write(&db, &out)
            .await
            .expect("broker-config");
        // Run as root (these tests are), Mosquitto drops to user `mosquitto`, which cannot
        // read files made for the user running `broker-config` (0600): keep it on this user.
        let mosquitto = Broker::start_with(&format!("user root\n{}", config.conf)).await;
        let orchestrator = login(
            &mosquitto,
            broker_config::ORCHESTRATOR_USER,
            &config.orchestrator_password,
        );
        let app = TestApp::spawn(|s| {
            s.db = db.clone();
            s.broker = BrokerEndpoint::External(orchestrator.clone());
        })
        .await;
        Classroom {
            app,
            mosquitto,
            config,
            db,
            out,
            _dir: dir,
        }
    }

    async fn enroll(&self, robot: &str) -> Enrolled {
        let reply = self
            .app
            .post(&format!("/api/robots/{robot}/enroll"), &json!(null))
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.json::<Enrolled>()
    }

    /// Regenerates the files from the database and lets Mosquitto reread them.
    async fn regenerate(&self) -> BrokerConfig {
        let again = broker_config::write(&self.db, &self.out)
            .await
            .expect("broker-config");
        assert_eq!(
            again.orchestrator_password,
            self.config.orchestrator_password
        );
        self.mosquitto.reload();
        again
    }

    fn orchestrator(&self) -> BrokerAddress {
        login(
            &self.mosquitto,
            broker_config::ORCHESTRATOR_USER,
            &self.config.orchestrator_password,
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mosquitto_configured_by_broker_config_enforces_the_classroom_rules() {
    let class = Classroom::start().await;
    let (app, mosquitto) = (&class.app, &class.mosquitto);

    let enrolled = [class.enroll("r1").await, class.enroll("r2").await];
    let report: ImportReport = app
        .post(
            "/api/roster/import",
            &RosterImport {
                csv: "ada,Ada,red,r1\nbob,Bob,blue,r2\n".into(),
            },
        )
        .await
        .json();
    let ada = report.added[0].token.clone();
    // Regenerate from the database and let Mosquitto reread its files.
    let again = class.regenerate().await;
    assert_eq!((again.robots, again.students), (2, 2));

    let robot_login = |e: &Enrolled| login(mosquitto, &e.username, &e.password);
    let r1 = spawn_sim_robot_on(robot_login(&enrolled[0]), "r1", |_, _| {}).await;
    let r2 = spawn_sim_robot_on(robot_login(&enrolled[1]), "r2", |_, _| {}).await;
    for id in ["r1", "r2"] {
        app.wait_for_robot_state(id, "online", WAIT).await;
    }

    // Anonymous: no ConnAck ever comes.
    let anonymous = tokio::time::timeout(
        Duration::from_secs(3),
        RawClient::connect(&mosquitto.address(), "anonymous"),
    )
    .await;
    assert!(anonymous.is_err(), "an anonymous client connected");

    // A latched estop; r1's credential tries to lift it on r2 and for everyone, and to drive r2.
    assert_eq!(app.post("/api/estop", &json!({})).await.status, 200);
    wait_until(WAIT, "r2 to latch the estop", || r2.agent.state().estopped).await;
    let watcher =
        Observer::connect_with_feed(&class.orchestrator(), &["robots/r1/status"], None).await;
    // r1's credential under a client id of its own (the same one would take r1's session).
    let rogue = plain_client(&robot_login(&enrolled[0]), "rogue-r1").await;
    let r2_id = robot_id("r2");
    let fast = CommandKind::Drive {
        speed: 1.0,
        turn: 0.0,
    };
    for (t, payload) in [
        (
            topic::BROADCAST_CMD.to_owned(),
            command("evil-1", CommandKind::Release),
        ),
        (topic::cmd(&r2_id), command("evil-2", CommandKind::Release)),
        (topic::cmd(&r2_id), command("evil-3", fast.clone())),
    ] {
        rogue
            .publish(t, QoS::AtLeastOnce, false, payload)
            .await
            .expect("queued");
    }
    // A marker on its own topic, after the others on the same connection.
    let r1_id = robot_id("r1");
    rogue
        .publish(
            topic::status(&r1_id),
            QoS::AtLeastOnce,
            false,
            marker(&r1_id),
        )
        .await
        .expect("queued");
    wait_until(WAIT, "the marker", || {
        watcher
            .on("robots/r1/status")
            .iter()
            .any(|m| String::from_utf8_lossy(&m.payload).contains("marker"))
    })
    .await;
    assert!(
        r2.agent.state().estopped,
        "the teacher's estop is still latched"
    );
    let m = r2.sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0), "r2 did not move");
    assert_eq!(app.post("/api/release", &json!({})).await.status, 200);
    wait_until(WAIT, "the release", || {
        !r1.agent.state().estopped && !r2.agent.state().estopped
    })
    .await;

    // Ada's own program drives r1 through the relay, and cannot reach r2.
    let program = Observer::connect_with_feed(
        &login(mosquitto, "ada", &ada),
        &[&student_topic::answer("ada"), "robots/r1/#"],
        None,
    )
    .await;
    program
        .publish(&topic::cmd(&r2_id), command("evil-4", fast.clone()))
        .await;
    program
        .publish(&student_topic::cmd("bob"), command("evil-5", fast.clone()))
        .await;
    program
        .publish(&student_topic::cmd("ada"), command("ada-1", fast))
        .await;
    let answer = program
        .wait_for::<StudentAnswer, _>(&student_topic::answer("ada"), WAIT, |a| {
            a.cmd_id.as_ref().is_some_and(|c| c.as_str() == "ada-1")
        })
        .await;
    assert!(
        matches!(answer.result, CommandOutcome::Acked(_)),
        "{answer:?}"
    );
    wait_until(WAIT, "r1 to drive", || r1.sim.motors().left > 0.0).await;
    let m = r2.sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0), "the neighbour did not move");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_mosquitto_legacy_game_robots_register_and_reach_only_their_own_tanks_topics() {
    let class = Classroom::start().await;
    let app = &class.app;
    // A students' robot (the course's own code) and a robot whose agent plays: both enrolled.
    let (student_id, agent_id) = ("0xdca632bf9101", "0xdca632bf9102");
    let student_cred = class.enroll(student_id).await;
    let agent_cred = class.enroll(agent_id).await;
    let again = class.regenerate().await;
    assert_eq!(again.robots, 2);
    let made = app
        .post("/api/games", &json!({ "name": "behind mosquitto" }))
        .await;
    assert_eq!(made.status, 201, "{made:?}");

    let on = |e: &Enrolled| login(&class.mosquitto, &e.username, &e.password);
    let student = LegacyRobot::connect_to(&on(&student_cred), student_id, student_id).await;
    // The agent's game connection: the robot's own credential, client id `<id>@game`.
    let agent_game = format!("{agent_id}@game");
    let agent = LegacyRobot::connect_to(&on(&agent_cred), agent_id, &agent_game).await;
    // INIT on `init`, and the game master's answers on each robot's own `tanks/{id}/init`.
    assert_eq!(student.register().await.0, "RED");
    assert_eq!(agent.register().await.0, "BLUE");
    let shown = app.get("/api/games/current").await;
    assert_eq!(
        shown.body["players"].as_array().map(Vec::len),
        Some(2),
        "{shown:?}"
    );

    // Writing: the orchestrator hears the student's own topics, not what it forges as the agent.
    let tail = ["flag", "shots", "qr_code"];
    let watched: Vec<String> = tail.iter().map(|t| format!("tanks/+/{t}")).collect();
    let filters: Vec<&str> = watched.iter().map(String::as_str).collect();
    let watcher = Observer::connect_with_feed(&class.orchestrator(), &filters, None).await;
    for t in tail {
        student
            .publish_raw(&format!("tanks/{agent_id}/{t}"), "FORGED")
            .await;
    }
    for t in tail {
        student.send(t, "MINE").await;
    }
    for t in tail {
        let own = format!("tanks/{student_id}/{t}");
        wait_until(WAIT, &format!("the student's {own}"), || {
            watcher.on(&own).iter().any(|m| m.payload == b"MINE")
        })
        .await;
        let forged = watcher.on(&format!("tanks/{agent_id}/{t}"));
        assert!(
            forged.is_empty(),
            "forged on {t}: {} messages",
            forged.len()
        );
    }

    // Reading: the orchestrator writes on both robots' topics; each hears only its own.
    student.listen(&format!("tanks/{agent_id}/#")).await;
    watcher
        .publish(&format!("tanks/{agent_id}/flag"), "FOR THE AGENT")
        .await;
    watcher
        .publish(&format!("tanks/{student_id}/flag"), "FOR THE STUDENT")
        .await;
    student.wait_for("flag", "FOR THE STUDENT").await;
    agent.wait_for("flag", "FOR THE AGENT").await;
    assert!(
        student
            .heard()
            .iter()
            .all(|line| !line.starts_with(&format!("tanks/{agent_id}/"))),
        "the student read the agent's topic: {:?}",
        student.heard()
    );
}
