//! Grading end to end: a session recorded by the real orchestrator with simulated robots doing
//! line-follow missions of different quality (a clean lap, one cut short by an estop, one
//! aborted), graded through the `orchestrator grade` command line from the database file:
//! the leaderboard's order, the same grades when graded again, an override that survives
//! re-grading and shows in the gradebook CSV, and a rubric error naming file, line and key.

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use fleet_tests::TestApp;
use fleet_tests::fleet_ops::{spawn_robots, wait_for_end, wait_for_mission};
use orchestrator::cli::{Cli, CliCommand, grade};
use orchestrator::contract::LeaderboardRow;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);
const TIME_SCALE: f64 = 2.0;

/// Runs `orchestrator grade ARGS...` (parsed like the real command line) on a blocking thread;
/// its printed output, or its error as text.
async fn grade_cli(args: &[&str]) -> Result<String, String> {
    let argv: Vec<String> = std::iter::once("orchestrator".to_owned())
        .chain(std::iter::once("grade".to_owned()))
        .chain(args.iter().map(|a| (*a).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let cli = Cli::try_parse_from(&argv).map_err(|e| e.to_string())?;
        let CliCommand::Grade(args) = cli.command else {
            return Err("not the grade command".to_owned());
        };
        let mut out = Vec::new();
        grade::run(args, &mut out).map_err(|e| format!("{e:#}"))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    })
    .await
    .expect("the grade command panicked")
}

async fn line_follow(app: &TestApp, robot: &str) -> i64 {
    let body = json!({ "robot": robot, "timeout_ms": 120_000,
        "mission": { "kind": "line_follow", "speed": 0.6, "laps": 1 } });
    let reply = app.post("/api/missions", &body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let id = reply.body["id"].as_i64().expect("mission id");
    wait_for_mission(app, id, WAIT, "running", |m| m["state"] == "running").await;
    id
}

/// The leaderboard's rows: (robot, total, pass/fail, grade id), best first.
fn leaderboard(out: &str) -> Vec<(String, String, String, i64)> {
    out.lines()
        .skip(2)
        .take_while(|l| !l.starts_with("gradebook"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let id = f.last().and_then(|s| s.parse().ok()).expect("grade id");
            let total_at = f.iter().position(|w| *w == "/").expect("total") - 1;
            (
                f[1].to_owned(),
                f[total_at].to_owned(),
                f[total_at + 3].to_owned(),
                id,
            )
        })
        .collect()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("the gradebook");
    // The test's fields hold no quoted commas except the override reason, checked by text.
    text.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_is_graded_in_order_repeatably_with_overrides_kept() {
    let app = TestApp::spawn(|_| {}).await;
    let _robots = spawn_robots(&app, &["clean", "stopped", "aborted"], |_, sim| {
        sim.time_scale = TIME_SCALE
    })
    .await;
    let team = app
        .post(
            "/api/groups",
            &json!({ "name": "red", "robots": ["stopped"] }),
        )
        .await;
    assert_eq!(team.status, 201, "{team:?}");

    let clean = line_follow(&app, "clean").await;
    let stopped = line_follow(&app, "stopped").await;
    let aborted = line_follow(&app, "aborted").await;
    // Both cut short a few seconds into their lap: one by an estop, one by the teacher.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let estop = app.post("/api/estop?group=red", &json!({})).await;
    assert_eq!(estop.status, 200, "{estop:?}");
    let abort = app
        .post(
            &format!("/api/missions/{aborted}/abort"),
            &json!({ "reason": "bell rang" }),
        )
        .await;
    assert_eq!(abort.status, 200, "{abort:?}");
    let ends: Vec<Value> = futures_join(&app, &[clean, stopped, aborted]).await;
    assert_eq!(ends[0]["state"], "succeeded", "{}", ends[0]);
    assert_eq!(ends[1]["state"], "failed", "{}", ends[1]);
    assert_eq!(ends[1]["reason"], "line following stopped: estop");
    assert_eq!(ends[2]["state"], "aborted", "{}", ends[2]);
    let sessions = app.get("/api/sessions").await;
    let session = sessions.body.as_array().expect("sessions")[0]["id"]
        .as_i64()
        .expect("session id");
    let stopped_app = app.stop().await;
    let db = stopped_app.db_path.to_str().expect("utf-8 path").to_owned();
    let dir = stopped_app.db_path.parent().expect("db folder").to_owned();
    let session = session.to_string();

    let first = grade_cli(&[&session, "--db", &db]).await.expect("grade");
    let board = leaderboard(&first);
    let robots: Vec<&str> = board.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(robots, ["clean", "aborted", "stopped"], "{first}");
    assert_eq!(board[0].2, "pass", "{first}");
    assert_eq!(board[0].1, "20.00", "a clean lap gets full marks: {first}");
    assert_eq!(board[2].2, "fail", "{first}");
    // However cleanly it drove for its 3 s, a run that did not finish its lap cannot pass.
    assert_eq!(board[1].2, "fail", "an aborted run passed: {first}");
    let aborted_total: f64 = board[1].1.parse().expect("a total");
    assert!(aborted_total <= 5.0, "{first}");

    let csv = dir.join("gradebook.csv");
    let csv_arg = csv.to_str().expect("utf-8 path").to_owned();
    let again = grade_cli(&[&session, "--db", &db, "--csv", &csv_arg])
        .await
        .expect("grade again");
    assert_eq!(leaderboard(&again), board, "graded again: {again}");
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 4, "header and three runs");
    let col = |name: &str| rows[0].iter().position(|c| c == name).expect(name);
    assert_eq!(rows[3][col("team")], "red");
    assert_eq!(rows[3][col("robot")], "stopped");
    assert_eq!(rows[1][col("rubric_version")], "2");

    // The teacher lifts the stopped run's total: it survives grading again, computed kept.
    let id = board[2].3.to_string();
    let set = grade_cli(&[
        "override",
        &id,
        "--target",
        "total",
        "--value",
        "19.5",
        "--reason",
        "estop was mine",
        "--db",
        &db,
    ])
    .await
    .expect("override");
    assert!(set.contains("overridden"), "{set}");
    let third = grade_cli(&[&session, "--db", &db, "--csv", &csv_arg])
        .await
        .expect("grade a third time");
    let after = leaderboard(&third);
    assert_eq!(after[1].0, "stopped", "{third}");
    assert_eq!(after[1].1, "19.50*", "{third}");
    let text = std::fs::read_to_string(&csv).expect("gradebook");
    let row = text.lines().find(|l| l.contains(",stopped,")).expect("row");
    assert!(row.contains("total=19.5 (computed "), "{row}");
    assert!(row.contains("total: estop was mine"), "{row}");
    let computed: f64 = board[2].1.parse().expect("a total");
    let rows = csv_rows(&csv);
    let stopped_row = rows
        .iter()
        .find(|r| r[col("robot")] == "stopped")
        .expect("row");
    assert_eq!(stopped_row[col("total")], "19.5", "{row}");
    let kept: f64 = stopped_row[col("computed_total")]
        .parse()
        .expect("a number");
    assert_eq!(kept, computed, "computed total kept: {row}");

    // The dashboard's routes read the same grades from a server on the file.
    let db_path = stopped_app.db_path.clone();
    let server = TestApp::spawn(move |s| s.db = db_path).await;
    let board_api = server.get(&format!("/api/sessions/{session}/grades")).await;
    assert_eq!(board_api.status, 200, "{board_api:?}");
    let rows: Vec<LeaderboardRow> = board_api.json();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].grade.robot.as_str(), "stopped");
    assert_eq!(rows[1].effective_total, 19.5);
    let clean_id = rows[0].grade.id;
    let set = server
        .post(
            &format!("/api/grades/{clean_id}/override"),
            &json!({ "target": "estops", "value": 0.0, "reason": "" }),
        )
        .await;
    assert_eq!(set.status, 400, "an override without a reason: {set:?}");
    let one = server.get(&format!("/api/grades/{clean_id}")).await;
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.body["robot"], "clean");
    assert!(
        one.body["criteria"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    drop(server.stop().await);

    let rubric = dir.join("bad.toml");
    let good = orchestrator::grading::DEFAULT_RUBRIC;
    // The first criterion's weight key misspelt (a line of its own, not a comment).
    let line = good
        .lines()
        .position(|l| l.starts_with("weight"))
        .expect("a weight")
        + 1;
    let bad: Vec<String> = good
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                l.replacen("weight", "wieght", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&rubric, bad.join("\n")).expect("write the rubric");
    let rubric_arg = rubric.to_str().expect("utf-8 path").to_owned();
    let err = grade_cli(&[&session, "--db", &db, "--rubric", &rubric_arg])
        .await
        .expect_err("a bad rubric was accepted");
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("wieght"), "{err}");
}

async fn futures_join(app: &TestApp, ids: &[i64]) -> Vec<Value> {
    let mut out = Vec::new();
    for id in ids {
        out.push(wait_for_end(app, *id, Duration::from_secs(90)).await);
    }
    out
}
