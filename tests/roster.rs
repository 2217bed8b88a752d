//! The class roster end to end (issue 9, items 1 and 3): a class file imported through the
//! API, each student's own token driving its own robot and nothing else, teams as groups, and
//! the teacher's emergency stop lifted only by the teacher, by HTTP and by a student's plain
//! MQTT client through the student relay.

use std::time::Duration;

use fleet_protocol::{BrokerAddress, CommandKind, Credentials, student_topic, topic};
use fleet_tests::db::Recording;
use fleet_tests::{Observer, TestApp, command};
use orchestrator::contract::WhoAmI;
use orchestrator::contract::roster::{
    Assign, ImportReport, IssuedStudent, RosterImport, StopView, StudentView,
};
use orchestrator::roster::StudentAnswer;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

const CLASS: &str = "student id,name,team,robot id\n\
                     ada,Ada Lovelace,red,sim-01\n\
                     bob,\"Hopper, Bob\",blue,sim-02\n";

/// The app with two simulated robots online.
async fn class_app() -> TestApp {
    let app = TestApp::spawn(|s| s.sim = 2).await;
    for id in ["sim-01", "sim-02"] {
        app.wait_for_robot_state(id, "online", WAIT).await;
    }
    app
}

async fn import(app: &TestApp, csv: &str) -> ImportReport {
    let reply = app
        .post("/api/roster/import", &RosterImport { csv: csv.into() })
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()
}

fn token_of<'a>(report: &'a ImportReport, student: &str) -> &'a str {
    &report
        .added
        .iter()
        .find(|s| s.student.as_str() == student)
        .unwrap_or_else(|| panic!("{student} not added: {report:?}"))
        .token
}

async fn drive_as(app: &TestApp, robot: &str, kind: CommandKind, token: &str) -> u16 {
    let reply = app
        .post_with_token(&format!("/api/robots/{robot}/commands"), &kind, Some(token))
        .await;
    if reply.status != 200 {
        eprintln!("{} {robot}: {reply:?}", kind.name());
    }
    reply.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_file_imports_once_names_its_bad_lines_and_its_teams_become_groups() {
    let app = class_app().await;
    let report = import(&app, CLASS).await;
    assert_eq!(report.added.len(), 2);
    let (ada, bob) = (token_of(&report, "ada"), token_of(&report, "bob"));
    assert_ne!(ada, bob);
    assert_eq!(ada.len(), 32);
    assert_ne!(Some(ada), app.teacher_token.as_deref());

    let again = import(&app, CLASS).await;
    assert_eq!(
        (again.added.len(), again.updated.len(), again.unchanged),
        (0, 0, 2),
        "the same file twice changes nothing: {again:?}"
    );
    let moved = CLASS.replace("blue,sim-02", "red,sim-02");
    let changed = import(&app, &moved).await;
    assert_eq!(changed.updated.len(), 1);
    assert_eq!(changed.updated[0].as_str(), "bob");
    assert_eq!(
        drive_as(&app, "sim-02", CommandKind::Stop, bob).await,
        200,
        "a re-import keeps the student's token"
    );

    let bad = app
        .post(
            "/api/roster/import",
            &RosterImport {
                csv: "ada,Ada,red,sim-01\ncid,,red,sim-03\neve,Eve,red,sim/04\n".into(),
            },
        )
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(
        bad.error().contains("line 2") && bad.error().contains("line 3"),
        "{}",
        bad.error()
    );
    let listed: Vec<StudentView> = app
        .get_with_token("/api/roster", app.teacher_token.as_deref())
        .await
        .json();
    assert_eq!(listed.len(), 2, "a bad file imports nothing");

    let red = app.get("/api/groups/red").await;
    assert_eq!(red.status, 200, "{red:?}");
    assert_eq!(red.body["members"], json!(["sim-01", "sim-02"]));

    let as_student = app.get_with_token("/api/roster", Some(ada)).await;
    assert_eq!(as_student.status, 403, "the roster is the teacher's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_token_drives_its_own_robot_only_and_stops_working_once_removed_or_reissued() {
    let app = class_app().await;
    let report = import(&app, CLASS).await;
    let (ada, bob) = (token_of(&report, "ada"), token_of(&report, "bob"));
    assert_eq!(drive_as(&app, "sim-01", CommandKind::Stop, ada).await, 200);
    assert_eq!(drive_as(&app, "sim-02", CommandKind::Stop, ada).await, 403);
    let me: WhoAmI = app
        .get_with_token("/api/access/whoami?robot=sim-01", Some(ada))
        .await
        .json();
    assert!(
        matches!(me, WhoAmI::Student { ref robot } if robot.as_str() == "sim-01"),
        "{me:?}"
    );

    // Reassigned: the same token now drives the other robot.
    let assigned = app
        .put(
            "/api/roster/ada/robot",
            &Assign {
                robot: "sim-02".into(),
            },
        )
        .await;
    assert_eq!(assigned.status, 200, "{assigned:?}");
    assert_eq!(drive_as(&app, "sim-02", CommandKind::Stop, ada).await, 200);
    assert_eq!(drive_as(&app, "sim-01", CommandKind::Stop, ada).await, 403);

    let removed = app.delete("/api/roster/ada").await;
    assert_eq!(removed.status, 200, "{removed:?}");
    assert_eq!(drive_as(&app, "sim-02", CommandKind::Stop, ada).await, 403);

    let reissued: IssuedStudent = app.post("/api/roster/bob/token", &json!(null)).await.json();
    assert_eq!(drive_as(&app, "sim-02", CommandKind::Stop, bob).await, 403);
    assert_eq!(
        drive_as(&app, "sim-02", CommandKind::Stop, &reissued.token).await,
        200
    );
}

/// Waits until `robot`'s telemetry says it is (or is no longer) emergency-stopped: a fan-out
/// answers 200 even when a robot has not acknowledged yet.
async fn wait_estopped(app: &TestApp, robot: &str, estopped: bool) {
    let path = format!("/api/robots/{robot}");
    app.poll_get(&path, WAIT, |r| {
        let mode = r.body["telemetry"]["mode"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (mode == "estopped") == estopped && !mode.is_empty()
    })
    .await
    .unwrap_or_else(|last| panic!("{robot} estopped={estopped} never seen: {last:?}"));
}

async fn stop_view(app: &TestApp, robot: &str, token: &str) -> StopView {
    app.get_with_token(&format!("/api/access/stop?robot={robot}"), Some(token))
        .await
        .json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_token_cannot_lift_the_teachers_stop_but_lifts_its_own() {
    let app = class_app().await;
    let report = import(&app, CLASS).await;
    let ada = token_of(&report, "ada");
    let forward = CommandKind::Drive {
        speed: 0.5,
        turn: 0.0,
    };

    assert_eq!(app.post("/api/estop", &json!({})).await.status, 200);
    wait_estopped(&app, "sim-01", true).await;
    let refused = app
        .post_with_token(
            "/api/robots/sim-01/commands",
            &CommandKind::Release,
            Some(ada),
        )
        .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(refused.error().contains("teacher"), "{}", refused.error());
    let view = stop_view(&app, "sim-01", ada).await;
    assert_eq!(
        (view.held_by.as_deref(), view.may_release),
        (Some("teacher"), false)
    );
    assert_eq!(
        drive_as(&app, "sim-01", forward.clone(), ada).await,
        422,
        "the robot is still latched"
    );

    assert_eq!(app.post("/api/release", &json!({})).await.status, 200);
    wait_estopped(&app, "sim-01", false).await;
    assert_eq!(drive_as(&app, "sim-01", CommandKind::Estop, ada).await, 200);
    let view = stop_view(&app, "sim-01", ada).await;
    assert_eq!(
        (view.held_by.as_deref(), view.may_release),
        (Some("student"), true)
    );
    assert_eq!(
        drive_as(&app, "sim-01", CommandKind::Release, ada).await,
        200
    );
    assert_eq!(drive_as(&app, "sim-01", forward, ada).await, 200);

    // The teacher's stop of ada's team, then of ada's robot alone.
    assert_eq!(
        app.post("/api/estop?group=red", &json!({})).await.status,
        200
    );
    assert_eq!(
        drive_as(&app, "sim-01", CommandKind::Release, ada).await,
        403
    );
    assert_eq!(
        app.post("/api/release?group=red", &json!({})).await.status,
        200
    );
    let teacher = app.teacher_token.as_deref().expect("a teacher token");
    assert_eq!(
        drive_as(&app, "sim-01", CommandKind::Estop, teacher).await,
        200
    );
    assert_eq!(
        drive_as(&app, "sim-01", CommandKind::Release, ada).await,
        403
    );
    assert_eq!(
        drive_as(&app, "sim-01", CommandKind::Release, teacher).await,
        200
    );
}

/// A student's own program: a plain MQTT client with the student's id and token.
fn student_broker(app: &TestApp, student: &str, token: &str) -> BrokerAddress {
    let mut broker = app.broker.clone();
    broker.credentials = Some(Credentials {
        username: student.into(),
        password: token.into(),
    });
    broker
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_plain_mqtt_client_drives_its_own_robot_and_not_a_neighbours() {
    let app = class_app().await;
    let report = import(&app, CLASS).await;
    let ada = token_of(&report, "ada");
    let program = Observer::connect_with_feed(
        &student_broker(&app, "ada", ada),
        &[&student_topic::answer("ada"), "robots/sim-01/#"],
        None,
    )
    .await;
    let watcher =
        Observer::connect_with_feed(&app.client_broker("watcher"), &["robots/+/ack"], None).await;
    let answers = student_topic::answer("ada");
    let answer = |id: &'static str| {
        let program = &program;
        let answers = answers.clone();
        async move {
            program
                .wait_for::<StudentAnswer, _>(&answers, WAIT, move |a| {
                    a.cmd_id.as_ref().is_some_and(|c| c.as_str() == id)
                })
                .await
        }
    };
    let forward = CommandKind::Drive {
        speed: 0.6,
        turn: 0.0,
    };

    program
        .publish(
            &student_topic::cmd("ada"),
            command("ada-1", forward.clone()),
        )
        .await;
    let first = answer("ada-1").await;
    assert_eq!(first.robot.as_ref().map(|r| r.as_str()), Some("sim-01"));
    assert!(
        matches!(first.result, orchestrator::domain::CommandOutcome::Acked(_)),
        "{first:?}"
    );

    // Straight to the neighbour's cmd, and through the neighbour's relay topic: both dropped.
    let sim02 = fleet_tests::robot_id("sim-02");
    program
        .publish(&topic::cmd(&sim02), command("evil-1", forward.clone()))
        .await;
    program
        .publish(
            &student_topic::cmd("bob"),
            command("evil-2", forward.clone()),
        )
        .await;
    program
        .publish(
            &student_topic::cmd("ada"),
            command("ada-2", CommandKind::Stop),
        )
        .await;
    answer("ada-2").await;
    let acks = watcher.on("robots/sim-02/ack");
    assert!(
        acks.iter()
            .all(|m| !String::from_utf8_lossy(&m.payload).contains("evil")),
        "the neighbour acted on a student's command: {acks:?}"
    );

    // The teacher's stop cannot be lifted over MQTT either.
    assert_eq!(app.post("/api/estop", &json!({})).await.status, 200);
    wait_estopped(&app, "sim-01", true).await;
    program
        .publish(
            &student_topic::cmd("ada"),
            command("ada-3", CommandKind::Release),
        )
        .await;
    let refused = answer("ada-3").await;
    assert!(
        matches!(&refused.result, orchestrator::domain::CommandOutcome::Rejected { message, .. } if message.contains("teacher")),
        "{refused:?}"
    );
    program
        .publish(&student_topic::cmd("ada"), command("ada-4", forward))
        .await;
    let latched = answer("ada-4").await;
    assert!(
        matches!(
            latched.result,
            orchestrator::domain::CommandOutcome::Rejected { .. }
        ),
        "the robot still refuses motion: {latched:?}"
    );
    // Recorded like any other command: the drive the student's program sent is in the file.
    let db = Recording::open(&app.db_path).await;
    let drives = db
        .wait_for_rows(
            "robot_id = 'sim-01' AND kind = 'command' AND payload LIKE '%drive%'",
            1,
            WAIT,
        )
        .await;
    assert!(drives >= 1);
}
