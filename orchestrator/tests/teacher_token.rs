//! The teacher's token across restarts, black box: `serve` without a token writes one to
//! `<db>.teacher-token` (mode 0600), a restart on the same database serves with the same token
//! (so students' links keep working), and the CLI on the teacher's machine finds it without
//! `--token`. Also what `serve --http 0.0.0.0:PORT` prints: addresses people can open.

mod serve_process;

use std::path::Path;

use serve_process::{Serve, orchestrator, run_to_end};

fn token_in(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("fleet.db.teacher-token"))
        .expect("the token file")
        .trim()
        .to_owned()
}

#[test]
fn the_teacher_token_survives_a_restart_and_the_cli_finds_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = tempfile::tempdir().expect("log dir");
    let db = dir.path().join("fleet.db");

    let first = Serve::start(&db, logs.path(), "127.0.0.1", &["--sim", "1"]);
    let token = token_in(dir.path());
    assert_eq!(token.len(), 32, "a generated token: {token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("fleet.db.teacher-token"))
            .expect("the token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let students = |serve: &Serve| {
        let (status, list) = serve
            .get("/api/access/students", Some(&token))
            .expect("the server answers");
        assert_eq!(status, 200, "the file's token is the teacher's: {list}");
        list
    };
    // A student on the roster, with the token the import issues (shown once).
    let (status, report) = first.post(
        "/api/roster/import",
        &token,
        &serde_json::json!({"csv": "ada,Ada,,sim-01\n"}),
    );
    assert_eq!(status, 200, "{report}");
    let ada = report["added"][0]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    first.wait_until("sim-01 known", || {
        students(&first).as_array().is_some_and(|l| !l.is_empty())
    });

    // The CLI, run where the server was started (the README's way), needs no --token.
    let (ok, out, err) = run_to_end(
        orchestrator()
            .args(["tokens", "--api", &first.api])
            .current_dir(dir.path()),
    );
    assert!(ok, "tokens failed: {err}");
    assert!(out.contains("sim-01"), "{out}");
    // From elsewhere it names the database, or it has no token.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let (ok, _, err) = run_to_end(
        orchestrator()
            .args(["tokens", "--api", &first.api])
            .current_dir(elsewhere.path()),
    );
    assert!(!ok, "no token file there, yet the teacher's route answered");
    assert!(err.contains("needs a token"), "{err}");
    let (ok, _, err) = run_to_end(
        orchestrator()
            .args(["tokens", "--api", &first.api, "--db"])
            .arg(&db)
            .current_dir(elsewhere.path()),
    );
    assert!(ok, "tokens --db failed: {err}");

    drop(first);
    let second = Serve::start(&db, logs.path(), "127.0.0.1", &["--sim", "1"]);
    assert_eq!(token_in(dir.path()), token, "a restart changed the token");
    // Last lesson's student link must still work: the student's token drives its robot.
    second.wait_until("ada's token to drive sim-01 again", || {
        let stop = serde_json::json!({"kind": "stop"});
        second.post("/api/robots/sim-01/commands", &ada, &stop).0 == 200
    });
    assert!(
        second.printed().contains("the token of earlier starts"),
        "{}",
        second.printed()
    );
}

#[test]
fn a_server_on_every_interface_prints_addresses_people_can_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = tempfile::tempdir().expect("log dir");
    let serve = Serve::start(
        &dir.path().join("fleet.db"),
        logs.path(),
        "0.0.0.0",
        &["--sim", "1"],
    );
    serve.wait_until("the startup summary", || serve.printed().contains("Ctrl-C"));
    let printed = serve.printed();

    assert!(!printed.contains("0.0.0.0"), "{printed}");
    assert!(
        printed.contains(&format!("http://127.0.0.1:{}/", serve.http_port)),
        "{printed}"
    );
    let token = token_in(dir.path());
    let with_token: Vec<&str> = printed.lines().filter(|l| l.contains(&token)).collect();
    assert_eq!(with_token.len(), 1, "the token on one line only: {printed}");
    assert!(
        with_token[0].trim_start().starts_with("teacher link"),
        "{printed}"
    );

    // Student links carry the address students open, not 0.0.0.0 (nor this client's).
    let (status, report) = serve.post(
        "/api/roster/import",
        &token,
        &serde_json::json!({"csv": "ada,Ada,,sim-01\n"}),
    );
    assert_eq!(status, 200, "{report}");
    serve.wait_until("a student link", || {
        serve
            .get("/api/access/students", Some(&token))
            .is_some_and(|(_, l)| l[0]["url"].is_string())
    });
    let (_, list) = serve
        .get("/api/access/students", Some(&token))
        .expect("the server answers");
    let url = list[0]["url"].as_str().expect("a link");
    assert!(url.starts_with("http://"), "{url}");
    assert!(!url.contains("0.0.0.0"), "{url}");
    assert!(
        url.ends_with(&format!(":{}/remote/sim-01", serve.http_port)),
        "{url}"
    );
}
