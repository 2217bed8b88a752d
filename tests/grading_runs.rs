//! Four runs of different quality recorded by the real orchestrator with simulated robots on
//! line-follow missions round the oval: a clean lap; a lap with line losses (the robot pushed
//! off the line on the top straight); a run stopped by an estop; a clean lap whose telemetry
//! stalled on its way to the broker for 1.5 s (its link held, as a stalled Wi-Fi link does).
//! Graded with `orchestrator grade` from the database file: the expected order, the gap run
//! unreliable with its gap listed and not a point below the clean lap, the same grades when
//! graded again, and the same grades from an exported (`export --format mcap`) and re-imported
//! (`import`) copy in another database.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fleet_course::{Course, Point};
use fleet_protocol::{Pose, RobotId};
use fleet_tests::cli::run_cli;
use fleet_tests::fleet_ops::{spawn_robots, wait_for_end, wait_for_mission};
use fleet_tests::held_link::HeldLink;
use fleet_tests::{SimRobot, TestApp, spawn_sim_robot_on, wait_until};
use orchestrator::domain::RecordKind;
use orchestrator::grading::session::ranked;
use orchestrator::grading::session::{RunToGrade, grade_runs};
use orchestrator::grading::{Criterion, GapKind, Grade, Rubric, Span};
use orchestrator::store::{DirectReader, RecordFilter, SessionId, SessionPacks, Store};
use robot_agent::hal::sim::SimConfig;
use robot_agent::runtime::AgentConfig;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);
const TIME_SCALE: f64 = 2.0;
/// How long the gap robot's link is held: three samples' worth of the rubric's 500 ms.
const HOLD: Duration = Duration::from_millis(1_500);

fn fast(_: &mut AgentConfig, sim: &mut SimConfig) {
    sim.time_scale = TIME_SCALE;
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

async fn line_follow(app: &TestApp, robot: &str, lost_line_fails: bool) -> i64 {
    let body = json!({ "robot": robot, "timeout_ms": 120_000, "mission": {
        "kind": "line_follow", "speed": 0.6, "laps": 1, "lost_line_fails": lost_line_fails } });
    let reply = app.post("/api/missions", &body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let id = reply.body["id"].as_i64().expect("mission id");
    wait_for_mission(app, id, WAIT, "running", |m| m["state"] == "running").await;
    id
}

fn point(p: Pose) -> Point {
    Point { x: p.x, y: p.y }
}

/// Pushes a line-following robot off the line once it is on the top straight: first aside so
/// only its right sensor sees the tape (the follower then knows which side the line is on, and
/// does not take the white for a zone), then further, turned away, so it must spin back.
async fn push_off_the_line(robot: &SimRobot, course: &Course) {
    // The top straight, clear of its ends: 2.46..3.66 m along the oval's line.
    let along = || {
        course
            .progress(point(robot.sim.pose()))
            .map_or(0.0, |p| p.along)
    };
    wait_until(WAIT, "the robot on the top straight", || {
        (2.7..3.2).contains(&along())
    })
    .await;
    let on_line = course.pose_along(along());
    let aside = |metres: f64, turn_deg: f64| Pose {
        x: on_line.x - metres * on_line.heading.sin(),
        y: on_line.y + metres * on_line.heading.cos(),
        heading: on_line.heading + turn_deg.to_radians(),
    };
    robot.sim.set_pose(aside(0.022, 0.0));
    tokio::time::sleep(Duration::from_millis(40)).await;
    robot.sim.set_pose(aside(0.05, 60.0));
}

fn criterion(g: &Grade, c: Criterion) -> &orchestrator::grading::CriterionGrade {
    g.criteria
        .iter()
        .find(|x| x.criterion == c)
        .expect("criterion graded")
}

async fn only_session(db: &Path) -> SessionId {
    let store = Store::open(db).await.expect("the database");
    let sessions = store.list_sessions().await.expect("sessions");
    store.close().await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    sessions[0].id
}

/// `runs` of `session` graded from the database file `db`, nothing stored.
async fn graded_from(db: &Path, session: SessionId, runs: &[RunToGrade]) -> Vec<Grade> {
    let store = Store::open(db).await.expect("the database");
    let grades = grade_runs(&store, session, runs.to_vec(), &Rubric::line_follow())
        .await
        .expect("graded");
    store.close().await;
    grades
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_runs_grade_in_order_with_the_gap_flagged_and_the_same_from_an_imported_copy() {
    let app = TestApp::spawn(|_| {}).await;
    let course = Course::oval();
    let robots = spawn_robots(&app, &["clean", "wobbly", "stopped"], fast).await;
    let link = HeldLink::start(app.robot_broker("gappy")).await;
    let _gappy = spawn_sim_robot_on(link.address(), "gappy", fast).await;
    app.wait_for_robot_state("gappy", "online", WAIT).await;
    let team = app
        .post(
            "/api/groups",
            &json!({ "name": "red", "robots": ["stopped"] }),
        )
        .await;
    assert_eq!(team.status, 201, "{team:?}");

    let clean = line_follow(&app, "clean", true).await;
    let wobbly = line_follow(&app, "wobbly", false).await;
    let stopped = line_follow(&app, "stopped", true).await;
    let gappy = line_follow(&app, "gappy", true).await;
    // Mid-lap for everyone, well away from the finish zone: the gap robot's link stalls.
    tokio::time::sleep(Duration::from_secs(3)).await;
    link.hold(true);
    let estop = app.post("/api/estop?group=red", &json!({})).await;
    assert_eq!(estop.status, 200, "{estop:?}");
    tokio::time::sleep(HOLD).await;
    link.hold(false);
    push_off_the_line(&robots[1], &course).await;

    let mut ends = Vec::new();
    for id in [clean, wobbly, stopped, gappy] {
        ends.push(wait_for_end(&app, id, Duration::from_secs(90)).await);
    }
    for (i, state) in ["succeeded", "succeeded", "failed", "succeeded"]
        .iter()
        .enumerate()
    {
        assert_eq!(ends[i]["state"], *state, "{}", ends[i]);
    }
    let session = SessionId(
        app.get("/api/sessions").await.body[0]["id"]
            .as_i64()
            .expect("session id"),
    );
    let stopped_app = app.stop().await;
    let db = stopped_app.db_path.clone();
    let dir = db.parent().expect("db folder").to_owned();
    let sid = session.0.to_string();

    run_cli(&["grade", &sid, "--db", path(&db)])
        .await
        .expect("grade");
    let store = Store::open(&db).await.expect("the database");
    let stored = ranked(store.session_grades(session, None).await.expect("grades"));
    store.close().await;
    let order: Vec<&str> = stored.iter().map(|g| g.robot.as_str()).collect();
    assert_eq!(
        order,
        ["clean", "gappy", "wobbly", "stopped"],
        "{stored:#?}"
    );

    let runs: Vec<RunToGrade> = ["clean", "wobbly", "stopped", "gappy"]
        .iter()
        .map(|robot| {
            let g = stored.iter().find(|g| g.robot.as_str() == *robot);
            let g = g.expect("a stored grade per run");
            RunToGrade {
                robot: RobotId::parse(robot).expect("robot id"),
                span: Span {
                    from_ms: g.from_ms,
                    to_ms: g.to_ms,
                },
                course: Arc::new(course.clone()),
            }
        })
        .collect();
    let grades = graded_from(&db, session, &runs).await;
    let [clean, wobbly, stopped, gappy] = &grades[..] else {
        panic!("four grades: {grades:#?}")
    };
    let report = format!("{grades:#?}");

    assert_eq!(
        clean.total, clean.scale,
        "a clean lap scores full marks: {report}"
    );
    assert!(clean.passed && clean.reliability.reliable, "{report}");
    let losses = criterion(wobbly, Criterion::LineLosses).raw.value();
    assert!(losses >= Some(1.0), "wobbly lost the line: {report}");
    assert!(wobbly.passed && wobbly.total < clean.total, "{report}");
    assert_eq!(criterion(stopped, Criterion::Estops).raw.value(), Some(1.0));
    assert!(!stopped.passed && stopped.total < wobbly.total, "{report}");

    // The gap is listed and flags the run; the grade is the clean lap's, not a point less.
    assert!(!gappy.reliability.reliable, "{report}");
    let silences: Vec<_> = gappy
        .reliability
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::Silence)
        .collect();
    assert_eq!(silences.len(), 1, "{:?}", gappy.reliability);
    let held_ms = silences[0].to_ms - silences[0].from_ms;
    assert!((1_000..3_000).contains(&held_ms), "{:?}", gappy.reliability);
    assert_eq!(gappy.total, clean.total, "{report}");
    assert!(gappy.passed, "{report}");

    // What the command line stored is what the runs grade to, criteria and totals.
    for g in &grades {
        let s = stored.iter().find(|s| s.robot == g.robot).expect("stored");
        assert_eq!(s.total, g.total);
        assert_eq!(s.unreliable, !g.reliability.reliable);
        assert_eq!(s.criteria, serde_json::to_value(&g.criteria).expect("json"));
    }
    // Graded again, by the command line and directly: the same, byte for byte.
    run_cli(&["grade", &sid, "--db", path(&db)])
        .await
        .expect("grade again");
    let store = Store::open(&db).await.expect("the database");
    let stored_again = ranked(store.session_grades(session, None).await.expect("grades"));
    store.close().await;
    let kept = |g: &[orchestrator::store::StoredGrade]| -> Vec<(i64, String, f64, String)> {
        g.iter()
            .map(|g| (g.id, g.robot.to_string(), g.total, g.criteria.to_string()))
            .collect()
    };
    assert_eq!(
        kept(&stored_again),
        kept(&stored),
        "stored grades after grading again"
    );
    let again = graded_from(&db, session, &runs).await;
    let json = |g: &[Grade]| serde_json::to_string(g).expect("grades serialise");
    assert_eq!(json(&again), json(&grades));

    // Exported as MCAP, imported into another database, graded there: the same grades.
    let mcap = dir.join("class.mcap");
    run_cli(&[
        "export",
        &sid,
        "--format",
        "mcap",
        "-o",
        path(&mcap),
        "--db",
        path(&db),
    ])
    .await
    .expect("export");
    let copy_db = dir.join("copy.db");
    run_cli(&["import", path(&mcap), "--db", path(&copy_db)])
        .await
        .expect("import");
    let copy = only_session(&copy_db).await;
    let from_copy = graded_from(&copy_db, copy, &runs).await;
    assert_eq!(
        json(&from_copy),
        json(&grades),
        "graded from the imported copy"
    );

    // The recorder packed every telemetry row for grading, and so did the import; without
    // the packs (a file from before them), the payloads grade the same.
    for (file, session) in [(&db, session), (&copy_db, copy)] {
        assert_every_telemetry_row_packed(file, session).await;
    }
    drop_packs(&copy_db, copy).await;
    let from_payloads = graded_from(&copy_db, copy, &runs).await;
    assert_eq!(
        json(&from_payloads),
        json(&grades),
        "graded from the payloads"
    );
}

async fn assert_every_telemetry_row_packed(db: &Path, session: SessionId) {
    let store = Store::open(db).await.expect("the database");
    let telemetry = store
        .count_records(&RecordFilter {
            session: Some(session),
            kind: Some(RecordKind::Telemetry),
            robot: None,
        })
        .await
        .expect("a count");
    store.close().await;
    let packed = session_packs(db, session).map(|p| u64::try_from(p.rows).unwrap_or(0));
    assert!(telemetry > 100, "{telemetry} telemetry rows");
    assert_eq!(packed, Some(telemetry), "{}", db.display());
}

/// Deletes every telemetry pack of `db`, as only damage or another program would.
async fn drop_packs(db: &Path, session: SessionId) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("a connection");
    sqlx::query("DELETE FROM telemetry_packs")
        .execute(&pool)
        .await
        .expect("packs deleted");
    pool.close().await;
    assert_eq!(session_packs(db, session), None, "no packs left to read");
}

/// Where `session`'s packs lie in `db`, if they hold all its telemetry.
fn session_packs(db: &Path, session: SessionId) -> Option<SessionPacks> {
    DirectReader::open(db)
        .expect("a direct reader")
        .session_packs(session)
        .expect("the packs' counts")
}
