//! Runs the teacher marks by hand, end to end: a simulated robot on the real orchestrator, a
//! run started and ended through the `orchestrator runs` command line while the robot follows
//! the line and is lifted off it, the clear refusals (unknown robot, end without start, start
//! twice, no token), then the session graded by "grade now" and by `orchestrator grade`: the
//! marked runs are graded beside a mission's run, with their label, student and team from the
//! roster (or none), the line loss, and the run's trace. Last, a run left open when its
//! session stops ends with it.

use std::time::Duration;

use fleet_tests::TestApp;
use fleet_tests::cli::run_cli;
use fleet_tests::db::Recording;
use fleet_tests::fleet_ops::{spawn_robots, wait_for_end};
use orchestrator::cli::ApiClient;
use orchestrator::cli::runs::{self, RunsAction};
use orchestrator::contract::{GradedSession, LeaderboardRow, MarkedRun, RunTrace, SessionView};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);

/// `orchestrator runs ...` against the app, its printed output (run off the test's runtime:
/// the CLI's client blocks).
async fn runs_cli(app: &TestApp, action: RunsAction) -> anyhow::Result<String> {
    let client = ApiClient::new(&app.base_url).with_token(app.teacher_token.clone());
    tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let mut out = Vec::new();
        runs::run(&client, action, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    })
    .await
    .expect("the runs command panicked")
}

/// `orchestrator grade ARGS...` (parsed like the command line), its output.
async fn grade_cli(args: Vec<String>) -> String {
    use clap::Parser;
    use orchestrator::cli::{Cli, CliCommand, grade};
    tokio::task::spawn_blocking(move || {
        let argv = ["orchestrator".to_owned(), "grade".to_owned()]
            .into_iter()
            .chain(args);
        let CliCommand::Grade(args) = Cli::try_parse_from(argv).expect("grade args").command else {
            panic!("not the grade command");
        };
        let mut out = Vec::new();
        grade::run(args, &mut out).expect("grade");
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .expect("the grade command panicked")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_marked_through_the_cli_is_graded_with_its_student_label_and_line_loss() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["marked", "other"], |_, sim| sim.time_scale = 2.0).await;
    let roster = app
        .post(
            "/api/roster/import",
            &json!({ "csv": "ada,Ada Lovelace,red,marked\n" }),
        )
        .await;
    assert_eq!(roster.status, 200, "{roster:?}");
    let sessions: Vec<SessionView> = app.get("/api/sessions").await.json();
    let session = sessions[0].id;
    assert!(sessions[0].running, "{sessions:?}");

    // The refusals, each with a reason a person can act on.
    let unknown = app.post("/api/runs", &json!({ "robot": "nobody" })).await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    assert!(unknown.error().contains("nobody"), "{unknown:?}");
    let no_start = runs_cli(
        &app,
        RunsAction::End {
            robot: "marked".into(),
        },
    )
    .await
    .expect_err("ended a run never started")
    .to_string();
    assert!(
        no_start.contains("no run started") && no_start.contains("409"),
        "{no_start}"
    );
    let anonymous = app
        .post_with_token("/api/runs", &json!({ "robot": "marked" }), None)
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");

    // As a person types it.
    let token = app.teacher_token.clone().expect("a teacher token");
    run_cli(&[
        "runs",
        "start",
        "marked",
        "--label",
        "first try",
        "--api",
        &app.base_url,
        "--token",
        &token,
    ])
    .await
    .expect("runs start");
    let twice = app.post("/api/runs", &json!({ "robot": "marked" })).await;
    assert_eq!(twice.status, 409, "{twice:?}");
    assert!(twice.error().contains("already has run"), "{twice:?}");
    let open: Vec<MarkedRun> = app.get("/api/runs").await.json();
    assert_eq!(open.len(), 1, "{open:?}");
    let run = open[0].clone();
    assert_eq!(
        (run.robot.as_str(), run.label.as_deref(), run.session),
        ("marked", Some("first try"), session)
    );
    // The other robot gets a run of its own, idle at first...
    let other = app.post("/api/runs", &json!({ "robot": "other" })).await;
    assert_eq!(other.status, 201, "{other:?}");
    // ...and a short mission of its own, ended by its timeout: a run from the other source.
    let mission = app
        .post(
            "/api/missions",
            &json!({ "robot": "other", "timeout_ms": 1_500,
                "mission": { "kind": "line_follow", "speed": 0.5, "laps": 3 } }),
        )
        .await;
    assert_eq!(mission.status, 201, "{mission:?}");
    let mission = mission.body["id"].as_i64().expect("mission id");

    // The robot follows the line, then is lifted into the middle of the oval: line lost.
    let follow = app
        .post(
            "/api/robots/marked/commands",
            &json!({ "kind": "line_follow", "speed": 0.5 }),
        )
        .await;
    assert_eq!(follow.status, 200, "{follow:?}");
    let db = Recording::open(&app.db_path).await;
    let mine = |rest: &str| {
        format!(
            "session_id = {session} AND robot_id = 'marked' AND at_ms >= {} AND {rest}",
            run.started_at_ms
        )
    };
    db.wait_for_rows(&mine("kind = 'telemetry'"), 20, WAIT)
        .await;
    robots[0].push_off_the_line();
    let lost = mine("kind = 'event' AND CAST(payload AS TEXT) LIKE '%\"line_lost\"%'");
    db.wait_for_rows(&lost, 1, WAIT).await;
    let so_far = db.count_records(&mine("kind = 'telemetry'")).await;
    db.wait_for_rows(&mine("kind = 'telemetry'"), so_far + 5, WAIT)
        .await;
    db.close().await;

    wait_for_end(&app, mission, WAIT).await;
    let ended = runs_cli(
        &app,
        RunsAction::End {
            robot: "marked".into(),
        },
    )
    .await
    .expect("runs end");
    assert!(
        ended.contains(&format!("run {} on marked ended", run.id)),
        "{ended}"
    );
    assert_eq!(
        app.post("/api/runs/end", &json!({ "robot": "other" }))
            .await
            .status,
        200
    );
    let listed = runs_cli(
        &app,
        RunsAction::List {
            session: Some(session.0),
        },
    )
    .await
    .expect("runs list");
    assert!(
        listed.contains("first try") && !listed.contains("open"),
        "{listed}"
    );
    assert!(
        app.get("/api/runs")
            .await
            .json::<Vec<MarkedRun>>()
            .is_empty()
    );
    app.recorder_flush().await;

    // Grade now (teacher only): the two marked runs and the mission's run.
    let refused = app
        .post_with_token(&format!("/api/sessions/{session}/grade"), &json!({}), None)
        .await;
    assert_eq!(refused.status, 401, "{refused:?}");
    let graded = app
        .post(&format!("/api/sessions/{session}/grade"), &json!({}))
        .await;
    assert_eq!(graded.status, 200, "{graded:?}");
    let graded: GradedSession = graded.json();
    assert_eq!(graded.graded, 3, "{graded:?}");
    let from_mission = graded
        .leaderboard
        .iter()
        .find(|r| r.grade.mission.map(|m| m.0) == Some(mission))
        .expect("the mission's run graded beside the marked ones");
    assert_eq!(from_mission.run, format!("mission {mission}"));
    assert_eq!(from_mission.marked_run, None);
    let row = graded
        .leaderboard
        .iter()
        .find(|r| r.grade.robot.as_str() == "marked")
        .expect("the marked run's row");
    assert_eq!(row.grade.mission, None);
    assert_eq!(row.marked_run.as_ref().map(|m| m.id), Some(run.id));
    assert_eq!(row.run, format!("run {} \"first try\"", run.id));
    assert_eq!(row.student.as_deref(), Some("Ada Lovelace"));
    assert_eq!(row.team.as_deref(), Some("red"));
    assert_eq!(
        (row.grade.from_ms, Some(row.grade.to_ms)),
        (run.started_at_ms, ended_at(&app, session.0, run.id).await)
    );
    let losses = row
        .grade
        .criteria
        .as_array()
        .expect("criteria")
        .iter()
        .find(|c| c["criterion"] == "line_losses");
    let losses = losses.expect("a line_losses criterion");
    assert!(
        losses["raw"]["count"].as_u64().unwrap_or(0) >= 1,
        "{losses}"
    );
    let other_row = graded
        .leaderboard
        .iter()
        .find(|r| r.grade.robot.as_str() == "other" && r.marked_run.is_some())
        .expect("the other run's row");
    assert_eq!(
        (other_row.student.as_deref(), other_row.team.as_deref()),
        (None, None)
    );
    let board: Vec<LeaderboardRow> = app
        .get(&format!("/api/sessions/{session}/grades"))
        .await
        .json();
    let names: Vec<(&str, Option<&str>)> = board
        .iter()
        .map(|r| (r.grade.robot.as_str(), r.student.as_deref()))
        .collect();
    assert!(
        names.contains(&("marked", Some("Ada Lovelace"))),
        "{names:?}"
    );
    assert!(names.contains(&("other", None)), "{names:?}");

    // The run's trace: its samples, inside its span, some of them off the line.
    let trace = app
        .get(&format!("/api/grades/{}/trace", row.grade.id))
        .await;
    assert_eq!(trace.status, 200, "{trace:?}");
    let trace: RunTrace = trace.json();
    assert_eq!(trace.every, 1, "a short run is not decimated");
    assert_eq!(trace.samples.len(), trace.total_samples);
    assert!(trace.samples.len() > 20, "{} samples", trace.samples.len());
    assert!(
        trace
            .samples
            .iter()
            .all(|s| (row.grade.from_ms..=row.grade.to_ms).contains(&s.at_ms))
    );
    assert!(trace.samples.iter().any(|s| s.on_line));
    assert!(trace.samples.iter().any(|s| !s.on_line));
    assert!(trace.samples.iter().all(|s| s.on_line == s.line.any()));

    // The command line's leaderboard and gradebook show the same run with its student.
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("gradebook.csv");
    let printed = grade_cli(vec![
        session.0.to_string(),
        "--db".into(),
        app.db_path.display().to_string(),
        "--csv".into(),
        csv.display().to_string(),
    ])
    .await;
    let line = printed
        .lines()
        .find(|l| l.contains(" marked "))
        .unwrap_or_else(|| panic!("no row for marked: {printed}"));
    assert!(
        line.contains("Ada Lovelace") && line.contains("first try"),
        "{line}"
    );
    let other_line = printed
        .lines()
        .find(|l| l.contains(" other "))
        .expect("other's row");
    assert!(
        other_line.contains(" - "),
        "no student shown as -: {other_line}"
    );
    let book = std::fs::read_to_string(&csv).expect("the gradebook");
    let header: Vec<&str> = book.lines().next().expect("a header").split(',').collect();
    assert_eq!(&header[..5], ["rank", "student", "team", "robot", "run"]);
    assert!(
        book.lines()
            .any(|l| l.contains(",Ada Lovelace,red,marked,")),
        "{book}"
    );
    assert_eq!(
        book.lines().filter(|l| l.contains(",,,other,")).count(),
        2,
        "{book}"
    );

    // A run left open when its session stops ends with the session, and does not keep its
    // robot from starting the next one.
    let lesson = app
        .post("/api/sessions", &json!({ "name": "lesson" }))
        .await;
    assert_eq!(lesson.status, 201, "{lesson:?}");
    let lesson: SessionView = lesson.json();
    let left_open = app.post("/api/runs", &json!({ "robot": "marked" })).await;
    assert_eq!(left_open.status, 201, "{left_open:?}");
    let stopped = app.post("/api/sessions/stop", &json!({})).await;
    assert_eq!(stopped.status, 200, "{stopped:?}");
    let stopped: SessionView = stopped.json();
    let runs: Vec<MarkedRun> = app
        .get(&format!("/api/sessions/{}/runs", lesson.id))
        .await
        .json();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].ended_at_ms, stopped.stopped_at_ms);
    assert!(
        app.get("/api/runs")
            .await
            .json::<Vec<MarkedRun>>()
            .is_empty()
    );
    let next = app.post("/api/runs", &json!({ "robot": "marked" })).await;
    assert_eq!(next.status, 201, "{next:?}");
    assert_ne!(next.json::<MarkedRun>().session, lesson.id);
    app.stop().await;
}

/// When run `id` of `session` ended, as the API lists it.
async fn ended_at(app: &TestApp, session: i64, id: i64) -> Option<i64> {
    let runs: Vec<MarkedRun> = app
        .get(&format!("/api/sessions/{session}/runs"))
        .await
        .json();
    runs.into_iter().find(|r| r.id == id)?.ended_at_ms
}
