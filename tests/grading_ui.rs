//! The grade pages in headless Chromium (issue 11): the teacher marks a run (with a label) with
//! the robot card's "start run" / "end run" while the robot follows the line and is lifted off it, opens
//! the session's leaderboard from the sessions panel, grades it with "Grade now", opens the
//! run's page, finds each criterion as the API has it and a path and traces drawn from the
//! run's trace (pieces on and off the line, one trace point per sample), overrides a criterion
//! through the form and sees the new total, computed one beside it, on the leaderboard.
//!
//! `UPDATE_SCREENSHOT=1` also writes the run page's screenshot to docs/grade-run.png.

use fleet_tests::db::Recording;
use fleet_tests::fleet_ops::spawn_robots;
use fleet_tests::pages::PAGE_TIMEOUT;
use fleet_tests::webdriver::Browser;
use fleet_tests::{Reply, TestApp};
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use orchestrator::contract::{LeaderboardRow, RunTrace, SessionView, StoredGrade};
use serde_json::{Value, json};

const ROBOT: &str = "ui-01";

/// Pieces of the path as the page should draw them: consecutive samples with a pose, cut where
/// the on-line flag changes. `(on_line, samples)` each.
fn expected_pieces(trace: &RunTrace) -> Vec<(bool, usize)> {
    let mut pieces: Vec<(bool, usize)> = Vec::new();
    let mut joined = false;
    for s in &trace.samples {
        if s.pose.is_none() {
            joined = false;
            continue;
        }
        match pieces.last_mut() {
            Some((on, n)) if joined && *on == s.on_line => *n += 1,
            _ => pieces.push((s.on_line, 1)),
        }
        joined = true;
    }
    pieces
}

/// Stretches of consecutive samples off the line.
fn off_stretches(trace: &RunTrace) -> usize {
    let on: Vec<bool> = trace.samples.iter().map(|s| s.on_line).collect();
    (0..on.len())
        .filter(|&i| !on[i] && (i == 0 || on[i - 1]))
        .count()
}

fn ok(reply: Reply) -> Reply {
    assert_eq!(reply.status, 200, "{reply:?}");
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_marked_run_is_graded_from_the_dashboard_drawn_on_its_page_and_overridden() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &[ROBOT], |_, sim| sim.time_scale = 2.0).await;
    let roster = format!("ada,Ada Lovelace,red,{ROBOT}\n");
    ok(app
        .post("/api/roster/import", &json!({ "csv": roster }))
        .await);
    let sessions: Vec<SessionView> = app.get("/api/sessions").await.json();
    let session = sessions[0].id.0;

    let browser = Browser::start();
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));
    let button = format!(".card[data-robot=\"{ROBOT}\"] button.run");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the card's start-run button for the teacher",
        &format!(
            "const b = document.querySelector('{button}');
             return b && !b.hidden && b.textContent === 'start run' || {{ pending: b && b.outerHTML }}"
        ),
    );
    browser.fill("#run-label", "second try");
    browser.click(&button);
    let open = browser.wait_for(
        PAGE_TIMEOUT,
        "the run open on the card",
        &format!("return document.querySelector('{button}').dataset.open"),
    );
    let run_id: i64 = open
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a run id");

    // The robot follows the line, then is lifted off it into the middle of the oval.
    ok(app
        .post(
            &format!("/api/robots/{ROBOT}/commands"),
            &json!({ "kind": "line_follow", "speed": 0.5 }),
        )
        .await);
    let db = Recording::open(&app.db_path).await;
    let mine = |rest: &str| format!("session_id = {session} AND robot_id = '{ROBOT}' AND {rest}");
    let telemetry = mine("kind = 'telemetry'");
    let before = db.count_records(&telemetry).await;
    db.wait_for_rows(&telemetry, before + 25, PAGE_TIMEOUT)
        .await;
    robots[0].push_off_the_line();
    let lost = mine("kind = 'event' AND CAST(payload AS TEXT) LIKE '%\"line_lost\"%'");
    db.wait_for_rows(&lost, 1, PAGE_TIMEOUT).await;
    let so_far = db.count_records(&telemetry).await;
    db.wait_for_rows(&telemetry, so_far + 5, PAGE_TIMEOUT).await;
    db.close().await;
    browser.click(&button);
    browser.wait_for(
        PAGE_TIMEOUT,
        "the run ended on the card",
        &format!(
            "const b = document.querySelector('{button}');
             return b.dataset.open === '' && b.textContent === 'start run' || {{ pending: b.dataset.open }}"
        ),
    );
    app.recorder_flush().await;

    // The sessions panel links to the session's leaderboard.
    let link = browser.wait_for(
        PAGE_TIMEOUT,
        "the session's grades link",
        &format!(
            "const a = document.querySelector('#sessions tr[data-session=\"{session}\"] a.grades');
             return a && a.getAttribute('href')"
        ),
    );
    assert_eq!(link, json!(format!("/grades/{session}")));
    browser.goto(&format!("{}{}", app.base_url, link.as_str().unwrap_or("")));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the teacher's grade-now button and an empty board",
        "return !document.getElementById('grade-now').hidden
           && document.getElementById('board').dataset.rows === '0'",
    );
    browser.click("#grade-now");
    browser.wait_for(
        PAGE_TIMEOUT,
        "one graded run on the leaderboard",
        "return document.getElementById('board').dataset.rows === '1'
           || { pending: document.getElementById('result').textContent }",
    );
    let board: Vec<LeaderboardRow> =
        ok(app.get(&format!("/api/sessions/{session}/grades")).await).json();
    assert_eq!(board.len(), 1, "{board:?}");
    let grade_id = board[0].grade.id;
    let shown = browser.execute(
        "const tr = document.querySelector('#rows tr');
         return [tr.querySelector('.student').textContent, tr.querySelector('.team').textContent,
                 tr.querySelector('a.run').textContent, tr.dataset.grade]",
        json!([]),
    );
    assert_eq!(
        shown,
        json!([
            "Ada Lovelace",
            "red",
            format!("run {run_id} \"second try\""),
            grade_id.to_string()
        ])
    );

    // The run's page: criteria as stored, path and traces as the trace route has them.
    browser.click("#rows tr a.run");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the criteria, the path and the traces",
        "return document.body.dataset.traced && document.getElementById('map').dataset.pieces
           && document.querySelectorAll('#criteria-rows tr').length > 1",
    );
    let grade: StoredGrade = ok(app.get(&format!("/api/grades/{grade_id}")).await).json();
    let trace: RunTrace = ok(app.get(&format!("/api/grades/{grade_id}/trace")).await).json();
    let criteria = grade.criteria.as_array().expect("criteria");
    let rows = browser.execute(
        "return [...document.querySelectorAll('#criteria-rows tr')].map(tr =>
           [tr.dataset.criterion, tr.querySelector('.points').textContent,
            tr.querySelector('.weight').textContent])",
        json!([]),
    );
    let rows = rows.as_array().expect("rows");
    assert_eq!(
        rows.len(),
        criteria.len() + 1,
        "each criterion and the total: {rows:?}"
    );
    for (row, c) in rows.iter().zip(criteria) {
        assert_eq!(row[0], c["criterion"], "{row}");
        let points = c["points"].as_f64().expect("points");
        let shown: f64 = row[1]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("points shown");
        assert!((shown - points).abs() < 0.006, "{row} vs {c}");
        let weight: f64 = row[2]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("weight shown");
        assert!(
            (weight - c["max_points"].as_f64().unwrap_or(-1.0)).abs() < 0.006,
            "{row}"
        );
    }
    let losses = criteria
        .iter()
        .find(|c| c["criterion"] == "line_losses")
        .expect("a line_losses criterion");
    let raw = browser.execute(
        "return document.querySelector('#criteria-rows tr[data-criterion=\"line_losses\"] .raw').textContent",
        json!([]),
    );
    let count = losses["raw"]["count"].as_u64().expect("a loss count");
    assert!(count >= 1, "{losses}");
    assert!(
        raw.as_str().unwrap_or("").starts_with(&format!("{count} ")),
        "{raw}"
    );

    let pieces = expected_pieces(&trace);
    assert!(
        pieces.iter().any(|p| p.0) && pieces.iter().any(|p| !p.0),
        "{pieces:?}"
    );
    let drawn = browser.execute(
        "return [...document.querySelectorAll('#map polyline.path')].map(p =>
           [p.classList.contains('on'), Number(p.dataset.samples)])",
        json!([]),
    );
    let drawn: Vec<(bool, usize)> = serde_json::from_value(drawn).expect("pieces");
    assert_eq!(drawn, pieces, "the path's pieces on and off the line");
    let traces = browser.execute(
        "return [...document.querySelectorAll('#sensors-trace polyline.sensor, #motors-trace polyline.motor')]
           .map(p => p.points.numberOfItems)",
        json!([]),
    );
    assert_eq!(
        traces,
        json!(vec![trace.samples.len(); 5]),
        "three sensors, two motors"
    );
    let bands = browser.execute(
        "return document.querySelectorAll('#sensors-trace rect.off-line').length",
        json!([]),
    );
    assert_eq!(bands, json!(off_stretches(&trace)));

    // The teacher overrides the line losses' points with a reason.
    let computed = losses["points"].as_f64().expect("points");
    let max = losses["max_points"].as_f64().expect("max points");
    let value = if computed + 0.5 <= max {
        computed + 0.5
    } else {
        computed - 0.5
    };
    browser.execute(
        "document.getElementById('override-target').value = 'line_losses'",
        json!([]),
    );
    browser.fill("#override-value", &value.to_string());
    browser.fill("#override-reason", "the robot was bumped");
    browser.click("#override-form button");
    let cell = browser.wait_for(
        PAGE_TIMEOUT,
        "the override beside the computed points",
        "const tr = document.querySelector('#criteria-rows tr[data-criterion=\"line_losses\"]');
         return tr.dataset.overridden === 'true' && tr.querySelector('.points').textContent
           || { pending: [document.getElementById('result').textContent,
                document.getElementById('override-target').value,
                document.getElementById('override-value').value] };",
    );
    let cell = cell.as_str().unwrap_or("").to_owned();
    assert!(cell.contains("(computed "), "{cell}");
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        browser.execute("window.scrollTo(0, 0)", json!([]));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/grade-run.png");
        std::fs::write(path, browser.screenshot()).expect("write docs/grade-run.png");
    }
    let after: StoredGrade = ok(app.get(&format!("/api/grades/{grade_id}")).await).json();
    let over = after
        .override_of("line_losses")
        .expect("the override stored");
    assert_eq!(
        (over.value, over.reason.as_str()),
        (value, "the robot was bumped")
    );
    assert_eq!(after.total, grade.total, "the computed total is kept");

    // Back on the leaderboard: the total that counts, the computed one beside it.
    browser.click("#back");
    let total = browser.wait_for(
        PAGE_TIMEOUT,
        "the overridden total on the leaderboard",
        "const tr = document.querySelector('#rows tr');
         return tr && tr.querySelector('.computed') && [Number(tr.dataset.total), tr.querySelector('.total').textContent]",
    );
    let expected = after.effective_total();
    assert_ne!(expected, grade.total);
    assert_eq!(total[0].as_f64(), Some(expected), "{total}");
    let text = total[1].as_str().unwrap_or("");
    assert!(text.starts_with(&format!("{expected:.2} / ")), "{text}");
    assert!(
        text.contains(&format!("(computed {})", short(grade.total))),
        "{text}"
    );
    drop(browser);
    app.stop().await;
}

/// Points as the pages write them: at most two decimals, no trailing zeros.
fn short(p: f64) -> String {
    let v: Value = json!((p * 100.0).round() / 100.0);
    v.to_string().trim_end_matches(".0").to_owned()
}
