//! The dashboard's replay page in headless Chromium, on a recorded class (three simulated
//! robots, a mission, line lost, estop and release): the timeline lists the events to jump to,
//! dragging the position slider to a moment puts each robot's marker where the recording had
//! it then (the marker's data-x / data-y in metres and its telemetry seq), play moves the head
//! and the markers on, and "next event" jumps to the next listed moment.

use fleet_tests::TestApp;
use fleet_tests::db::Recording;
use fleet_tests::pages::{PAGE_TIMEOUT, markers};
use fleet_tests::recorded::{ROBOTS, record_class};
use fleet_tests::webdriver::Browser;
use serde_json::{Value, json};

/// A telemetry record of the session: time, seq and pose.
struct Sample {
    at_ms: i64,
    seq: u64,
    x: f64,
    y: f64,
}

async fn telemetry(app: &TestApp, session: i64, robot: &str) -> Vec<Sample> {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&app.db_path)
                .read_only(true),
        )
        .await
        .expect("open the recording");
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT at_ms, CAST(payload AS TEXT) FROM records WHERE session_id = ? \
         AND robot_id = ? AND kind = 'telemetry' ORDER BY at_ms, id",
    )
    .bind(session)
    .bind(robot)
    .fetch_all(&pool)
    .await
    .expect("read the telemetry");
    pool.close().await;
    rows.into_iter()
        .filter_map(|(at_ms, text)| {
            let v: Value = serde_json::from_str(&text).ok()?;
            Some(Sample {
                at_ms,
                seq: v["seq"].as_u64()?,
                x: v["pose"]["x"].as_f64()?,
                y: v["pose"]["y"].as_f64()?,
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_page_plays_seeks_and_shows_each_robot_where_the_recording_had_it() {
    let app = TestApp::spawn(|_| {}).await;
    let class = record_class(&app).await;
    let samples = telemetry(&app, class.session, ROBOTS[0]).await;
    assert!(samples.len() > 20, "{} samples", samples.len());
    let db = Recording::open(&app.db_path).await;
    let first = db
        .scalar(&format!(
            "SELECT MIN(at_ms) FROM records WHERE session_id = {}",
            class.session
        ))
        .await;
    db.close().await;

    let browser = Browser::start();
    browser.goto(&format!("{}/replay/{}", app.base_url, class.session));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the session opened at its start, paused",
        "return document.getElementById('status').dataset.state === 'paused'
           && document.querySelectorAll('#map g.robot').length > 0",
    );
    let marks = browser.execute(
        "return [...document.querySelectorAll('#marks li')].map(li => li.dataset.what)",
        json!([]),
    );
    for what in [
        "mission_started",
        "mission_ended",
        "line_lost",
        "estop",
        "estopped",
    ] {
        assert!(
            marks.as_array().unwrap().contains(&json!(what)),
            "no {what} in {marks}"
        );
    }

    // Drag the slider to a moment in the middle of rec-01's recording.
    let target = &samples[samples.len() / 2];
    browser.execute(
        "const s = document.getElementById('seek');
         s.value = String(arguments[0]);
         s.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([target.at_ms - first]),
    );
    let script = format!(
        "const g = document.querySelector('#map g.robot[data-robot=\"{}\"]');
         return g && Number(g.dataset.seq) === {} ? true : {{ pending: g && g.dataset.seq }}",
        ROBOTS[0], target.seq
    );
    browser.wait_for(
        PAGE_TIMEOUT,
        "rec-01's marker at the moment sought",
        &script,
    );
    let at = markers(&browser);
    let marker = at
        .iter()
        .find(|m| m.robot == ROBOTS[0])
        .expect("rec-01's marker");
    assert!(
        (marker.x - target.x).abs() < 1e-6,
        "x {} vs {}",
        marker.x,
        target.x
    );
    assert!(
        (marker.y - target.y).abs() < 1e-6,
        "y {} vs {}",
        marker.y,
        target.y
    );
    // Every other robot is where its last sample before that moment had it.
    for robot in &ROBOTS[1..] {
        let theirs = telemetry(&app, class.session, robot).await;
        let Some(last) = theirs.iter().rev().find(|s| s.at_ms <= target.at_ms) else {
            continue;
        };
        let m = at.iter().find(|m| m.robot == *robot).expect("a marker");
        assert_eq!(m.seq, last.seq, "{robot}");
        assert!(
            (m.x - last.x).abs() < 1e-6 && (m.y - last.y).abs() < 1e-6,
            "{robot}"
        );
    }

    // Play at 10x: the head moves on, and so does rec-01's marker.
    // The seventh speed is 10x.
    browser.click("#speed option:nth-child(7)");
    browser.click("#play");
    let head = browser.wait_for(
        PAGE_TIMEOUT,
        "the head a second further",
        &format!(
            "const h = Number(document.getElementById('position').dataset.headMs);
             return h > {} ? h : {{ pending: h }}",
            target.at_ms + 1_000
        ),
    );
    assert!(head.as_f64().unwrap() <= (target.at_ms + 60_000) as f64);
    let seq = browser.execute(
        &format!(
            "return Number(document.querySelector('#map g.robot[data-robot=\"{}\"]').dataset.seq)",
            ROBOTS[0]
        ),
        json!([]),
    );
    assert!(
        seq.as_u64().unwrap() > target.seq,
        "rec-01 did not move on: {seq}"
    );
    browser.click("#play");
    browser.wait_for(
        PAGE_TIMEOUT,
        "paused again",
        "return document.getElementById('status').dataset.state === 'paused'",
    );

    // From the start, "next event" lands on the first listed moment.
    browser.execute(
        "const s = document.getElementById('seek'); s.value = '0';
         s.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([]),
    );
    let first_mark = browser.execute(
        "return Number([...document.querySelectorAll('#marks li')]
           .find(li => Number(li.dataset.at) > arguments[0]).dataset.at)",
        json!([first]),
    );
    browser.click("#next-mark");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the head on the first event",
        &format!(
            "return Number(document.getElementById('position').dataset.headMs) === {first_mark}"
        ),
    );
    app.stop().await;
}
