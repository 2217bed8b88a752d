//! The replay and retention routes on a recorded class: the summary lists the robots and the
//! moments to jump to, record windows page through the session without gaps or repeats, the
//! streamed download is the CLI's export byte for byte, sessions carry their size, the running
//! session cannot be deleted, a prune lists before it deletes, and deleting gives the space back.

use fleet_tests::TestApp;
use fleet_tests::cli::run_cli;
use fleet_tests::db::Recording;
use fleet_tests::recorded::{ROBOTS, record_class};
use orchestrator::contract::{RecordPage, SessionSummary, SessionView, SessionsDeleted};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_routes_page_the_session_and_retention_deletes_only_what_it_should() {
    let app = TestApp::spawn(|_| {}).await;
    let class = record_class(&app).await;
    let db = Recording::open(&app.db_path).await;
    let total = db
        .count_records(&format!("session_id = {}", class.session))
        .await;

    let reply = app
        .get(&format!("/api/sessions/{}/summary", class.session))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let summary: SessionSummary = serde_json::from_value(reply.body).unwrap();
    assert_eq!(summary.robots, ROBOTS);
    assert_eq!(summary.session.records, total as u64);
    let whats: Vec<&str> = summary.marks.iter().map(|m| m.what.as_str()).collect();
    for what in [
        "mission_started",
        "mission_ended",
        "line_lost",
        "estop",
        "estopped",
        "released",
    ] {
        assert!(whats.contains(&what), "no {what} in {whats:?}");
    }
    let missing = app.get("/api/sessions/999999/summary").await;
    assert_eq!(missing.status, 404, "{missing:?}");

    // Pages of 50 through the whole session, following `next`.
    let mut ids = Vec::new();
    let mut query = format!("/api/sessions/{}/records?limit=50", class.session);
    loop {
        let reply = app.get(&query).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let page: RecordPage = serde_json::from_value(reply.body).unwrap();
        assert!(page.records.len() <= 50);
        ids.extend(page.records.iter().map(|r| (r.at_ms, r.id)));
        let Some(next) = page.next else { break };
        query = format!(
            "/api/sessions/{}/records?limit=50&after_at_ms={}&after_id={}",
            class.session, next.at_ms, next.id
        );
    }
    assert_eq!(ids.len() as i64, total);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "out of order or repeated"
    );
    let bad = app
        .get(&format!(
            "/api/sessions/{}/records?after_id=3",
            class.session
        ))
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");

    // The download is the CLI's export.
    let download = app
        .get(&format!(
            "/api/sessions/{}/export?format=jsonl",
            class.session
        ))
        .await;
    assert_eq!(download.status, 200);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("class.jsonl");
    let (session, db_path) = (
        class.session.to_string(),
        app.db_path.to_str().unwrap().to_owned(),
    );
    let file_arg = file.to_str().unwrap();
    run_cli(&[
        "export", &session, "--format", "jsonl", "-o", file_arg, "--db", &db_path,
    ])
    .await
    .expect("export");
    assert_eq!(download.text, std::fs::read_to_string(&file).unwrap());

    // Sizes, and deleting: never the running session.
    let sessions: Vec<SessionView> =
        serde_json::from_value(app.get("/api/sessions").await.body).unwrap();
    let class_view = sessions.iter().find(|s| s.id.0 == class.session).unwrap();
    assert!(class_view.bytes > class_view.records * 64, "{class_view:?}");
    let running = sessions.iter().find(|s| s.running).unwrap();
    let refused = app.delete(&format!("/api/sessions/{}", running.id)).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    let unauthorized = app
        .post_with_token("/api/sessions/prune", &json!({ "older_than_ms": 0 }), None)
        .await;
    assert_eq!(unauthorized.status, 401);

    let dry = app
        .post(
            "/api/sessions/prune",
            &json!({ "older_than_ms": 0, "dry_run": true }),
        )
        .await;
    assert_eq!(dry.status, 200, "{dry:?}");
    let dry: SessionsDeleted = serde_json::from_value(dry.body).unwrap();
    assert!(dry.dry_run && dry.sessions.iter().any(|s| s.id.0 == class.session));
    assert!(dry.sessions.iter().all(|s| !s.running));
    assert_eq!(
        db.count_records(&format!("session_id = {}", class.session))
            .await,
        total
    );

    let gone = app
        .delete(&format!("/api/sessions/{}", class.session))
        .await;
    assert_eq!(gone.status, 200, "{gone:?}");
    let gone: SessionsDeleted = serde_json::from_value(gone.body).unwrap();
    assert_eq!(gone.records as i64, total);
    assert!(gone.pages_after < gone.pages_before, "{gone:?}");
    assert_eq!(
        db.count_records(&format!("session_id = {}", class.session))
            .await,
        0
    );
    let again = app
        .get(&format!("/api/sessions/{}/summary", class.session))
        .await;
    assert_eq!(again.status, 404);
    db.close().await;
    app.stop().await;
}
