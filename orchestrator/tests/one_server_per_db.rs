//! One server per database, black box: a real `orchestrator serve` records a session and runs
//! a mission; a second `serve` on the same database, with the same ports and with other ports,
//! must refuse at once naming the first, and leave its sessions, missions, records and files
//! as they were (read back from the SQLite file). A start that cannot bind its ports leaves no
//! file behind.

mod serve_process;

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use serve_process::{Serve, file_names, free_port, orchestrator, run_to_end, serve_args};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const TOKEN: &str = "one-server-teacher";

/// What the refused servers must not change, read from the file.
#[derive(Debug, PartialEq)]
struct Snapshot {
    /// id, name, started, stopped.
    sessions: Vec<(i64, String, i64, Option<i64>)>,
    /// id, state, reason, ended.
    missions: Vec<(i64, String, Option<String>, Option<i64>)>,
    transitions: i64,
}

/// The snapshot, plus the records' count and highest id (records keep arriving).
fn read_db(db: &Path) -> (Snapshot, i64, i64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(db)
                    .read_only(true)
                    .busy_timeout(Duration::from_secs(10)),
            )
            .await
            .expect("open the database read-only");
        let sessions = sqlx::query_as(
            "SELECT id, name, started_at_ms, stopped_at_ms FROM sessions ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("sessions");
        let missions =
            sqlx::query_as("SELECT id, state, reason, ended_at_ms FROM missions ORDER BY id")
                .fetch_all(&pool)
                .await
                .expect("missions");
        let transitions = sqlx::query_scalar("SELECT COUNT(*) FROM mission_transitions")
            .fetch_one(&pool)
            .await
            .expect("transitions");
        let (records, last): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM records")
                .fetch_one(&pool)
                .await
                .expect("records");
        pool.close().await;
        (
            Snapshot {
                sessions,
                missions,
                transitions,
            },
            records,
            last,
        )
    })
}

fn records_up_to(db: &Path, id: i64) -> i64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(SqliteConnectOptions::new().filename(db).read_only(true))
            .await
            .expect("open the database read-only");
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE id <= ?")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("records");
        pool.close().await;
        n
    })
}

/// `serve` on `db` that must refuse: returns its stderr.
fn refused(db: &Path, http: &str, mqtt: &str) -> String {
    let (ok, _, stderr) = run_to_end(orchestrator().args(serve_args(db, http, mqtt)));
    assert!(!ok, "a second serve on {} started: {stderr}", db.display());
    stderr
}

#[test]
fn a_second_serve_on_the_same_database_refuses_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = tempfile::tempdir().expect("log dir");
    let db = dir.path().join("fleet.db");
    let first = Serve::start(
        &db,
        logs.path(),
        "127.0.0.1",
        &["--sim", "1", "--teacher-token", TOKEN],
    );
    first.wait_until("sim-01 online", || {
        first
            .get("/api/robots/sim-01", None)
            .is_some_and(|(s, r)| s == 200 && r["state"] == "online")
    });
    let mission = json!({
        "robot": "sim-01",
        "mission": {"kind": "script", "steps": [{"step": "wait", "ms": 120_000}]},
        "timeout_ms": 300_000,
    });
    let (status, mission) = first.post("/api/missions", TOKEN, &mission);
    assert_eq!(status, 201, "{mission}");
    let mission_path = format!("/api/missions/{}", mission["id"]);
    first.wait_until("the mission to run", || {
        first
            .get(&mission_path, None)
            .is_some_and(|(_, m)| m["state"] == "running")
    });
    let (before, records_before, last_record) = read_db(&db);
    assert_eq!(
        before.sessions.last().map(|s| s.3),
        Some(None),
        "a session records"
    );
    let files_before = file_names(dir.path());
    let lock_before = std::fs::read(dir.path().join("fleet.db.lock")).expect("the lock file");

    let same_ports = refused(
        &db,
        &format!("127.0.0.1:{}", first.http_port),
        &format!("127.0.0.1:{}", first.mqtt_port),
    );
    let other_ports = refused(
        &db,
        &format!("127.0.0.1:{}", free_port()),
        &format!("127.0.0.1:{}", free_port()),
    );

    for stderr in [&same_ports, &other_ports] {
        assert!(
            stderr.contains("another orchestrator is already serving the database"),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("pid {}", first.pid())), "{stderr}");
        assert!(
            stderr.contains(&first.api),
            "the holder's address: {stderr}"
        );
        assert!(!stderr.contains("unclean shutdown"), "{stderr}");
    }
    let (after, _, _) = read_db(&db);
    assert_eq!(after, before, "the refused servers changed the database");
    assert_eq!(
        records_up_to(&db, last_record),
        records_before,
        "records removed"
    );
    assert_eq!(
        file_names(dir.path()),
        files_before,
        "files created or removed"
    );
    assert_eq!(
        std::fs::read(dir.path().join("fleet.db.lock")).expect("the lock file"),
        lock_before,
        "the holder's record was overwritten"
    );
    // The first server goes on as if nothing happened: still running its mission, still
    // recording into the same session.
    let (_, m) = first.get(&mission_path, None).expect("the mission");
    assert_eq!(m["state"], "running", "{m}");
    first.wait_until("records after the refusals", || {
        read_db(&db).2 > last_record
    });
    let (later, _, _) = read_db(&db);
    assert_eq!(later.sessions, before.sessions);
}

#[test]
fn a_start_that_cannot_bind_its_ports_leaves_no_file() {
    let running = tempfile::tempdir().expect("temp dir");
    let logs = tempfile::tempdir().expect("log dir");
    let first = Serve::start(
        &running.path().join("fleet.db"),
        logs.path(),
        "127.0.0.1",
        &[],
    );
    let fresh = tempfile::tempdir().expect("temp dir");
    let db = fresh.path().join("fleet.db");

    let http_taken = refused(
        &db,
        &format!("127.0.0.1:{}", first.http_port),
        &format!("127.0.0.1:{}", free_port()),
    );
    assert!(http_taken.contains("for the HTTP API"), "{http_taken}");
    let mqtt_taken = refused(
        &db,
        &format!("127.0.0.1:{}", free_port()),
        &format!("127.0.0.1:{}", first.mqtt_port),
    );
    assert!(mqtt_taken.contains("MQTT"), "{mqtt_taken}");

    assert_eq!(file_names(fresh.path()), Vec::<String>::new());
}

#[test]
fn a_database_in_a_missing_folder_gets_one_error_naming_the_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("class-3b");
    let stderr = refused(
        &missing.join("fleet.db"),
        &format!("127.0.0.1:{}", free_port()),
        &format!("127.0.0.1:{}", free_port()),
    );
    let folder = missing.display().to_string();
    assert!(
        stderr.contains(&format!("the folder {folder} ")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("mkdir -p {folder}")), "{stderr}");
    assert_eq!(
        stderr.matches("does not exist").count(),
        1,
        "said once: {stderr}"
    );
    assert!(!stderr.contains("code: 14"), "{stderr}");
    assert_eq!(file_names(dir.path()), Vec::<String>::new());
}
