//! `orchestrator export` and `orchestrator import` on a recorded class (three simulated robots,
//! a mission, line lost, estop and release), straight from the database file while the server
//! that wrote it still runs: every record is in the CSV, JSON Lines and MCAP exports, a robot
//! filter keeps that robot and the fleet-wide records, and export -> import -> export gives the
//! same messages, twice over.

use std::path::Path;

use fleet_tests::TestApp;
use fleet_tests::cli::run_cli;
use fleet_tests::db::Recording;
use fleet_tests::recorded::{ROBOTS, record_class};
use serde_json::Value;

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn jsonl(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .expect("the export file")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (family, rows) of the session in the database.
async fn families(db: &Path, session: i64) -> Vec<(String, i64)> {
    let recording = Recording::open(db).await;
    let mut out = Vec::new();
    for family in ["status", "telemetry", "event", "command", "ack", "state"] {
        let n = recording
            .count_records(&format!("session_id = {session} AND kind = '{family}'"))
            .await;
        out.push((family.to_owned(), n));
    }
    recording.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_class_exports_through_the_cli_in_every_format_and_round_trips_through_mcap() {
    let app = TestApp::spawn(|_| {}).await;
    let class = record_class(&app).await;
    let out = tempfile::tempdir().unwrap();
    let db = path(&app.db_path).to_owned();
    let session = class.session.to_string();
    let by_family = families(&app.db_path, class.session).await;
    let total: i64 = by_family.iter().map(|(_, n)| n).sum();
    for family in ["status", "telemetry", "event", "command", "ack", "state"] {
        let n = by_family
            .iter()
            .find(|(f, _)| f == family)
            .map_or(0, |(_, n)| *n);
        assert!(n > 0, "the class recorded no {family}: {by_family:?}");
    }

    // JSON Lines: every record, in time order, with the moments the class is about.
    let lines_file = out.path().join("class.jsonl");
    run_cli(&[
        "export",
        &session,
        "--format",
        "jsonl",
        "-o",
        path(&lines_file),
        "--db",
        &db,
    ])
    .await
    .expect("export jsonl");
    let lines = jsonl(&lines_file);
    assert_eq!(lines.len() as i64, total);
    let times: Vec<i64> = lines.iter().map(|l| l["at_ms"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    let event = |kind: &str, robot: &str| {
        lines
            .iter()
            .any(|l| l["family"] == "event" && l["message"]["kind"] == kind && l["robot"] == robot)
    };
    assert!(event("line_lost", ROBOTS[1]), "no line_lost of rec-02");
    for robot in ROBOTS {
        assert!(event("estopped", robot), "no estopped of {robot}");
    }

    // CSV into a directory: one file per family, a header and one row per record each.
    let csv_dir = out.path().join("csv/");
    run_cli(&[
        "export",
        &session,
        "--format",
        "csv",
        "-o",
        path(&csv_dir),
        "--db",
        &db,
    ])
    .await
    .expect("export csv");
    for (family, n) in &by_family {
        let file = csv_dir.join(format!("{family}.csv"));
        if *n == 0 {
            continue;
        }
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(text.lines().count() as i64, n + 1, "{family}.csv");
    }
    let telemetry = std::fs::read_to_string(csv_dir.join("telemetry.csv")).unwrap();
    let header = telemetry.lines().next().unwrap();
    assert!(
        header.contains("line.left") && header.contains("motors.left"),
        "{header}"
    );

    // A robot filter: that robot's records and the fleet-wide ones (the broadcast estop).
    let one_file = out.path().join("one.jsonl");
    let args = [
        "export", &session, "--format", "jsonl", "--robots", ROBOTS[2],
    ];
    let mut args = args.to_vec();
    args.extend(["-o", path(&one_file), "--db", &db]);
    run_cli(&args).await.expect("export one robot");
    let one = jsonl(&one_file);
    assert!(
        one.iter()
            .all(|l| l["robot"] == ROBOTS[2] || l["robot"].is_null())
    );
    assert!(
        one.iter().any(|l| l["robot"].is_null()),
        "the broadcast estop is missing"
    );
    assert!(one.len() < lines.len());

    // MCAP -> import into another database -> JSON Lines: the same messages, byte for byte.
    let mcap_file = out.path().join("class.mcap");
    run_cli(&[
        "export",
        &session,
        "--format",
        "mcap",
        "-o",
        path(&mcap_file),
        "--db",
        &db,
    ])
    .await
    .expect("export mcap");
    let second_db = out.path().join("second.db");
    run_cli(&["import", path(&mcap_file), "--db", path(&second_db)])
        .await
        .expect("import");
    let imported = last_session(&second_db).await;
    let again = out.path().join("again.jsonl");
    let imported_id = imported.to_string();
    run_cli(&[
        "export",
        &imported_id,
        "--format",
        "jsonl",
        "-o",
        path(&again),
        "--db",
        path(&second_db),
    ])
    .await
    .expect("export the imported session");
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&lines_file).unwrap(),
        "the imported session differs from the recorded one"
    );
    // ... and once more from the imported session's own MCAP.
    let mcap_again = out.path().join("again.mcap");
    run_cli(&[
        "export",
        &imported_id,
        "--format",
        "mcap",
        "-o",
        path(&mcap_again),
        "--db",
        path(&second_db),
    ])
    .await
    .expect("export the imported session as MCAP");
    let third_db = out.path().join("third.db");
    run_cli(&["import", path(&mcap_again), "--db", path(&third_db)])
        .await
        .expect("import again");
    let third = last_session(&third_db).await.to_string();
    let thrice = out.path().join("thrice.jsonl");
    run_cli(&[
        "export",
        &third,
        "--format",
        "jsonl",
        "-o",
        path(&thrice),
        "--db",
        path(&third_db),
    ])
    .await
    .expect("export the second import");
    assert_eq!(
        std::fs::read(&thrice).unwrap(),
        std::fs::read(&lines_file).unwrap()
    );

    // Bad input is refused with the reason, and leaves no session behind.
    let err = run_cli(&[
        "export",
        "999999",
        "--format",
        "csv",
        "-o",
        path(&out.path().join("x.csv")),
        "--db",
        &db,
    ])
    .await
    .expect_err("exported a session that does not exist");
    assert!(format!("{err:#}").contains("no session 999999"), "{err:#}");
    let junk = out.path().join("junk.mcap");
    std::fs::write(&junk, b"not an mcap file").unwrap();
    let err = run_cli(&["import", path(&junk), "--db", path(&third_db)])
        .await
        .expect_err("imported junk");
    assert!(format!("{err:#}").contains("junk.mcap"), "{err:#}");
    assert_eq!(last_session(&third_db).await.to_string(), third);
    app.stop().await;
}

async fn last_session(db: &Path) -> i64 {
    let recording = Recording::open(db).await;
    let id = recording.scalar("SELECT MAX(id) FROM sessions").await;
    recording.close().await;
    id
}
