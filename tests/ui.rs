//! The dashboard and the web remote in a real headless Chromium (through chromedriver), against
//! a running orchestrator with simulated robots. What a page shows is read from the page; what
//! the robots did is read from the simulators, never from the page.
//!
//! `UPDATE_SCREENSHOT=1` also writes the dashboard's screenshot to docs/dashboard.png.

use std::time::{Duration, Instant};

use fleet_tests::pages::{PAGE_TIMEOUT, fleet_on_the_oval, markers};
use fleet_tests::robot_io::is_still;
use fleet_tests::webdriver::Browser;
use fleet_tests::{SimRobot, TestApp, wait_until};
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use serde_json::json;

/// How close a map marker must be to where the simulator has its robot.
const MARKER_TOLERANCE_M: f64 = 0.02;
/// WebDriver's code for the ArrowUp key.
const ARROW_UP: &str = "\u{E013}";

/// The orchestrator and `n` simulated robots spread along the oval's bottom straight.
async fn fleet(n: usize) -> (TestApp, Vec<SimRobot>) {
    fleet_on_the_oval(n, 1.0).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_lists_every_robot_live_with_its_pose_on_the_map() {
    let (app, robots) = fleet(3).await;
    let mission = app
        .post(
            "/api/missions",
            &json!({"robot": "sim-01", "mission": {"kind": "line_follow", "speed": 0.5, "laps": 5}}),
        )
        .await;
    assert_eq!(mission.status, 201, "{mission:?}");
    let reply = app
        .post(
            "/api/robots/sim-02/commands",
            &json!({"kind": "line_follow", "speed": 0.5}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // A team, so the group panel has something to show.
    let team = app
        .post(
            "/api/groups",
            &json!({"name": "red", "robots": ["sim-01", "sim-02"]}),
        )
        .await;
    assert_eq!(team.status, 201, "{team:?}");
    // Colours on two robots, for their cards to show.
    for (robot, [r, g, b]) in [("sim-02", [230, 40, 40]), ("sim-03", [0, 160, 255])] {
        let reply = app
            .post(
                &format!("/api/robots/{robot}/commands"),
                &json!({"kind": "led", "r": r, "g": g, "b": b}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let browser = Browser::start();
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));

    let listed = browser.wait_for(
        PAGE_TIMEOUT,
        "three online robot cards",
        "const cards = [...document.querySelectorAll('.card.online')];
         return cards.length === 3 && cards.map(c => c.dataset.robot).join(',');",
    );
    assert_eq!(listed, json!("sim-01,sim-02,sim-03"));
    browser.wait_for(
        PAGE_TIMEOUT,
        "a marker per robot on the map",
        "return document.querySelectorAll('#map g.robot').length === 3",
    );
    // Live: the line followers' motor readouts on the page change without a reload.
    let first = browser.execute(
        "return document.querySelector('.card[data-robot=\"sim-01\"]').textContent",
        json!([]),
    );
    browser.wait_for(
        PAGE_TIMEOUT,
        "sim-01's card to change",
        &format!(
            "return document.querySelector('.card[data-robot=\"sim-01\"]').textContent !== {first}"
        ),
    );
    // The token was taken out of the address bar, and the page knows it may act.
    assert_eq!(
        browser.execute("return location.search", json!([])),
        json!("")
    );
    browser.wait_for(
        PAGE_TIMEOUT,
        "the teacher role",
        "return document.getElementById('role').textContent === 'teacher'",
    );

    browser.wait_for(
        PAGE_TIMEOUT,
        "sim-01's mission on its card and in the mission list",
        "const card = document.querySelector('.card[data-robot=\"sim-01\"]').textContent;
         const list = document.getElementById('missions').textContent;
         return card.includes('line_follow') && list.includes('running')
           || { pending: [card, list] };",
    );
    browser.wait_for(
        PAGE_TIMEOUT,
        "the group in the group panel",
        "const row = document.querySelector('#groups tr[data-group=\"red\"]');
         return row ? row.textContent.includes('sim-01, sim-02') : { pending: 'no row' };",
    );

    browser.wait_for(
        PAGE_TIMEOUT,
        "the LED colours on the cards",
        "const rgb = id => (document.querySelector(`.card[data-robot=\"${id}\"] .swatch`).dataset.rgb || '-');
         const seen = ['sim-01', 'sim-02', 'sim-03'].map(rgb).join(' ');
         return seen === '- 230,40,40 0,160,255' || { pending: seen };",
    );

    let png = browser.screenshot();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG screenshot");
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/dashboard.png");
        std::fs::write(path, &png).expect("write docs/dashboard.png");
    }

    // Each marker where the simulator has its robot. The line followers move ~5 mm per
    // telemetry period, so they are stopped first and compared once at rest.
    let estop = app.post("/api/estop", &json!({})).await;
    assert_eq!(estop.status, 200, "{estop:?}");
    wait_until(PAGE_TIMEOUT, "every robot to stop", || {
        robots.iter().all(is_still)
    })
    .await;
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let drawn = markers(&browser);
        let off: Vec<String> = robots
            .iter()
            .filter_map(|r| {
                let pose = r.sim.pose();
                let marker = drawn.iter().find(|m| m.robot == r.id.as_str());
                let error = marker.map(|m| (m.x - pose.x).hypot(m.y - pose.y));
                match error {
                    Some(e) if e <= MARKER_TOLERANCE_M => None,
                    _ => Some(format!("{}: marker {marker:?}, simulator {pose:?}", r.id)),
                }
            })
            .collect();
        if off.is_empty() && drawn.len() == robots.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "markers not within {MARKER_TOLERANCE_M} m of the simulators: {off:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(browser);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pressing_stop_all_on_the_dashboard_stops_every_robot() {
    let (app, robots) = fleet(3).await;
    for r in &robots {
        let reply = app
            .post(
                &format!("/api/robots/{}/commands", r.id),
                &json!({"kind": "line_follow", "speed": 0.5}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    wait_until(PAGE_TIMEOUT, "every robot to move", || {
        robots.iter().all(|r| !is_still(r))
    })
    .await;

    let browser = Browser::start();
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "three robot cards",
        "return document.querySelectorAll('.card').length === 3",
    );
    // Scrolled to the bottom, the button is still on screen (sticky) and clickable.
    browser.execute("window.scrollTo(0, document.body.scrollHeight)", json!([]));
    browser.click("#stop-all");

    wait_until(
        Duration::from_secs(3),
        "every simulated robot to stop",
        || robots.iter().all(is_still),
    )
    .await;
    // Stopped for good: once they have coasted to rest, the line followers do not start
    // again on their own.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let travelled: Vec<f64> = robots.iter().map(|r| r.sim.distance_travelled()).collect();
    tokio::time::sleep(Duration::from_millis(600)).await;
    for (r, before) in robots.iter().zip(travelled) {
        assert!(is_still(r), "{} moves again", r.id);
        assert!(
            r.sim.distance_travelled() - before < 0.005,
            "{} kept going",
            r.id
        );
    }
    browser.wait_for(
        PAGE_TIMEOUT,
        "the per-robot result of the stop",
        "const t = document.getElementById('result').textContent;
         return t.includes('3 acknowledged') ? t : { pending: t };",
    );
    drop(browser);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_web_remote_drives_a_simulated_robot_while_a_key_is_held() {
    let (app, robots) = fleet(1).await;
    let robot = &robots[0];
    let token = app.student_token("ada", "sim-01").await;
    let browser = Browser::start();
    browser.goto(&format!("{}/remote/sim-01?token={token}", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the student role and live telemetry",
        "return document.getElementById('role').textContent === 'student'
            && document.getElementById('r-mode').textContent === 'idle'",
    );
    // The page's timing comes from the protocol crate, through the generated protocol.js.
    assert_eq!(
        browser.execute(
            "return document.getElementById('deadman').textContent",
            json!([])
        ),
        json!(format!(
            "{} ms",
            fleet_protocol::DEADMAN_DEFAULT.as_millis()
        ))
    );
    let start = robot.sim.pose();

    browser.key_down(ARROW_UP);
    // Held for 1.5 s: three times the dead-man timeout, so only the page's repeats keep it going.
    let held = Instant::now();
    while held.elapsed() < Duration::from_millis(1500) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if held.elapsed() > Duration::from_millis(300) {
            assert!(!is_still(robot), "stalled while the key is held");
        }
    }
    browser.key_up(ARROW_UP);
    let released = Instant::now();
    wait_until(
        Duration::from_secs(1),
        "the robot to stop on key release",
        || is_still(robot),
    )
    .await;
    // The release sent a stop: faster than waiting out the 500 ms dead-man.
    assert!(
        released.elapsed() < Duration::from_millis(450),
        "stopped {:?} after release",
        released.elapsed()
    );
    let end = robot.sim.pose();
    let forward = end.x - start.x;
    assert!(
        forward > 0.1,
        "drove {forward:.3} m forward along +x (from {start:?} to {end:?})"
    );
    drop(browser);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_student_remote_cannot_drive_another_robot_and_says_so() {
    let (app, robots) = fleet(2).await;
    let token_of_sim_01 = app.student_token("ada", "sim-01").await;
    let browser = Browser::start();
    browser.goto(&format!(
        "{}/remote/sim-02?token={token_of_sim_01}",
        app.base_url
    ));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the view-only notice",
        "const a = document.getElementById('alert');
         return !a.hidden && a.textContent.includes('View only')",
    );
    browser.key_down("w");
    let refused = browser.wait_for(
        PAGE_TIMEOUT,
        "the refusal",
        "const t = document.getElementById('answer').textContent;
         return t.includes('does not allow') ? t : { pending: t };",
    );
    browser.key_up("w");
    assert!(
        refused.as_str().unwrap_or("").contains("sim-02"),
        "{refused}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(robots[1].sim.distance_travelled() < 0.001, "sim-02 moved");
    drop(browser);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_web_remote_shows_clearly_that_its_robot_is_estopped() {
    let (app, robots) = fleet(1).await;
    let reply = app
        .post("/api/robots/sim-01/commands", &json!({"kind": "estop"}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let browser = Browser::start();
    browser.goto(&format!(
        "{}/remote/sim-01?token={TEST_TEACHER_TOKEN}",
        app.base_url
    ));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the estop alert",
        "const a = document.getElementById('alert');
         return !a.hidden && a.textContent.includes('EMERGENCY-STOPPED')",
    );
    browser.key_down("w");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the robot's refusal",
        "const t = document.getElementById('answer').textContent;
         return t.includes('estopped') ? t : { pending: t };",
    );
    browser.key_up("w");
    assert!(is_still(&robots[0]), "an estopped robot moved");
    drop(browser);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pages_view_model_replays_recorded_changes_without_a_page_or_a_stream() {
    let (app, _robots) = fleet(1).await;
    let browser = Browser::start();
    browser.goto(&format!("{}/remote/sim-01", app.base_url));
    // The module on its own, fed changes as a replay would: no DOM, no EventSource.
    let state = browser.execute_async(
        "const done = arguments[arguments.length - 1];
         import('/assets/fleet_model.js').then(({ FleetModel }) => {
           const m = new FleetModel();
           m.load([{ id: 'a1', state: 'online', telemetry: null, mission: null }]);
           const touched = [
             { change: 'robot_added', robot: 'b2' },
             { change: 'state_changed', robot: 'b2', from: 'offline', to: 'online', at_ms: 5 },
             { change: 'telemetry_updated', robot: 'a1', telemetry: { seq: 7, mode: 'estopped',
               pose: { x: 1, y: 2, heading: 0 }, leds: { r: 1, g: 2, b: 3 } } },
             { change: 'mission_changed', mission: { id: 4, robot: 'b2', kind: 'line_follow',
               state: 'succeeded', progress: 'lap 1/1' } },
             { change: 'something_new', robot: 'a1' },
             { change: 'lagged' },
           ].map((c, i) => m.apply(c, 1000 + i));
           const a1 = m.robots.get('a1');
           const b2 = m.robots.get('b2');
           done({ touched, ids: m.ids(), a1: [a1.telemetry.seq, a1.last_seen_ms, a1.telemetry.leds.b],
                  b2: [b2.state, b2.mission, b2.mission_state] });
         }).catch(e => done({ error: String(e) }));",
        json!([]),
    );
    assert_eq!(
        state,
        json!({
            "touched": ["b2", "b2", "a1", "b2", "a1", null],
            "ids": ["a1", "b2"],
            "a1": [7, 1002, 3],
            "b2": ["online", "#4 line_follow succeeded · lap 1/1", "succeeded"],
        })
    );
    drop(browser);
    app.stop().await;
}
