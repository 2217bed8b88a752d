//! What the teacher does on the dashboard, in a real headless Chromium: create a group, add a
//! robot to it, start line-follow missions on the group and on one robot, abort one; and the
//! teacher's token never ends up in a link, until the browser is told to forget it. What the
//! robots did is read from the simulators.

use std::time::{Duration, Instant};

use fleet_tests::pages::{PAGE_TIMEOUT, fleet_on_the_oval};
use fleet_tests::robot_io::is_still;
use fleet_tests::wait_until;
use fleet_tests::webdriver::Browser;
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use serde_json::{Value, json};

/// The follower is tuned for real time; twice as fast still follows the oval cleanly.
const TIME_SCALE: f64 = 2.0;
/// A lap of the oval is 4.9 m.
const LAP_M: f64 = 4.5;

/// Every address in the page (links, scripts, forms) and the address bar.
const ADDRESSES: &str = "return [location.href,
    ...[...document.querySelectorAll('[href], [src], [action]')]
      .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))];";

fn addresses(browser: &Browser) -> Vec<String> {
    let found = browser.execute(ADDRESSES, json!([]));
    serde_json::from_value(found).expect("a list of addresses")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_link_on_any_page_carries_the_teachers_token() {
    let (app, _robots) = fleet_on_the_oval(2, 1.0).await;
    let first_token = app.student_token("ada", "sim-01").await;
    app.student_token("bob", "sim-02").await;
    let browser = Browser::start();
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the teacher role, two cards and two roster rows",
        "return document.getElementById('role').textContent === 'teacher'
            && document.querySelectorAll('.card').length === 2
            && document.querySelectorAll('#students tr[data-student]').length === 2",
    );
    let dashboard = addresses(&browser);
    let html = browser.execute("return document.documentElement.outerHTML", json!([]));
    assert!(
        !dashboard.iter().any(|a| a.contains(TEST_TEACHER_TOKEN)),
        "{dashboard:?}"
    );
    assert!(
        !html.as_str().unwrap_or("").contains(TEST_TEACHER_TOKEN),
        "the teacher token is in the dashboard's HTML"
    );
    // Tokens are kept hashed: no link carries one until the teacher issues a new one.
    assert!(
        !dashboard.iter().any(|a| a.contains("token=")),
        "{dashboard:?}"
    );
    // The class panel opens, and its "new link" issues ada a new token.
    browser.click("#students-panel summary");
    browser.click("#students tr[data-student=\"ada\"] button.new-link");
    let link = browser.wait_for(
        PAGE_TIMEOUT,
        "ada's new remote link",
        "const a = document.querySelector('#students tr[data-student=\"ada\"] a');
         return a ? a.getAttribute('href') : { pending: 'no link yet' };",
    );
    let link = link.as_str().expect("a link").to_owned();
    assert!(link.contains("/remote/sim-01?token="), "{link}");
    let token = link.rsplit("token=").next().expect("a token");
    assert_ne!(token, first_token);
    let stop = json!({"kind": "stop"});
    let drives = app
        .post_with_token("/api/robots/sim-01/commands", &stop, Some(token))
        .await;
    assert_eq!(
        drives.status, 200,
        "the new link's token drives sim-01: {drives:?}"
    );
    let old = app
        .post_with_token("/api/robots/sim-01/commands", &stop, Some(&first_token))
        .await;
    assert_eq!(old.status, 403, "the old token stopped working: {old:?}");
    let dashboard = addresses(&browser);
    let with_token: Vec<&String> = dashboard.iter().filter(|a| a.contains("token=")).collect();
    assert_eq!(
        with_token.len(),
        1,
        "only the link just issued: {dashboard:?}"
    );

    // A card's remote link opens the remote as the teacher, from this browser's storage.
    browser.click(".card[data-robot=\"sim-01\"] footer a");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the remote of sim-01 as the teacher",
        "return location.pathname === '/remote/sim-01'
            && document.getElementById('role').textContent === 'teacher'
            || { pending: [location.href, document.getElementById('role').textContent] }",
    );
    let remote = addresses(&browser);
    assert!(
        !remote.iter().any(|a| a.contains("token")),
        "a remote page link carries a token: {remote:?}"
    );
    // Back on the dashboard, opened without a token: still the teacher, still no token.
    browser.click("#back");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the dashboard as the teacher again",
        "return location.pathname === '/'
            && document.getElementById('role').textContent === 'teacher'",
    );
    let again = addresses(&browser);
    assert!(
        !again.iter().any(|a| a.contains(TEST_TEACHER_TOKEN)),
        "{again:?}"
    );
    // On a shared computer the teacher makes the browser forget the token.
    browser.click("#forget");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the dashboard as view only",
        "return document.getElementById('role').textContent.startsWith('view only')
            && localStorage.length === 0",
    );
    drop(browser);
    app.stop().await;
}

/// The mission rows the API lists for `robot`, newest first.
async fn missions_of(app: &fleet_tests::TestApp, robot: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/missions?robot={robot}")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_made_on_the_dashboard_laps_the_line_and_a_mission_is_aborted_there() {
    let (app, robots) = fleet_on_the_oval(3, TIME_SCALE).await;
    let browser = Browser::start();
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the group form with a box per robot",
        "return !document.getElementById('group-form').hidden
            && document.querySelectorAll('#group-robots input').length === 3",
    );

    // Create "blue" with sim-01 ticked, then add sim-02 from the group's row.
    browser.fill("#group-name", "blue");
    browser.click("#group-robots input[value=\"sim-01\"]");
    browser.click("#group-form button");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the new group's row",
        "const row = document.querySelector('#groups tr[data-group=\"blue\"] td.members');
         return row ? row.textContent === 'sim-01' || { pending: row.textContent } : { pending: 'no row' };",
    );
    browser.click("#groups tr[data-group=\"blue\"] select.member-pick option[value=\"sim-02\"]");
    browser.click("#groups tr[data-group=\"blue\"] button.add-member");
    browser.wait_for(
        PAGE_TIMEOUT,
        "sim-02 in the group's row",
        "const row = document.querySelector('#groups tr[data-group=\"blue\"] td.members');
         return row.textContent === 'sim-01, sim-02' || { pending: row.textContent };",
    );
    let group = app.get("/api/groups/blue").await;
    assert_eq!(
        group.body["members"],
        json!(["sim-01", "sim-02"]),
        "{group:?}"
    );

    // One lap for the group, at 0.6.
    browser.click("#mission-target option[value=\"group:blue\"]");
    browser.fill("#mission-speed", "0.6");
    browser.fill("#mission-laps", "1");
    browser.click("#mission-form button");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the group's missions started",
        "const t = document.getElementById('result').textContent;
         return t.includes('2 started') ? t : { pending: t };",
    );
    for robot in ["sim-01", "sim-02"] {
        let list = missions_of(&app, robot).await;
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["group"], "blue");
        assert_eq!(list[0]["spec"]["speed"], 0.6);
    }
    assert!(missions_of(&app, "sim-03").await.is_empty());

    // The simulators say both robots went round the line, and stopped at the finish.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ended: Vec<Value> = [
            missions_of(&app, "sim-01").await,
            missions_of(&app, "sim-02").await,
        ]
        .concat();
        if ended.iter().all(|m| m["state"] == "succeeded") {
            break;
        }
        let failed = ended.iter().find(|m| {
            !["assigned", "running", "succeeded"].contains(&m["state"].as_str().unwrap_or(""))
        });
        assert!(failed.is_none(), "a mission ended badly: {failed:?}");
        assert!(Instant::now() < deadline, "no lap in time: {ended:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for r in &robots[..2] {
        let travelled = r.sim.distance_travelled();
        assert!(travelled > LAP_M, "{} drove {travelled:.2} m", r.id);
    }
    assert!(robots[2].sim.distance_travelled() < 0.01, "sim-03 moved");
    browser.wait_for(
        PAGE_TIMEOUT,
        "both missions succeeded in the mission list",
        "const rows = [...document.querySelectorAll('#missions tr[data-state=\"succeeded\"]')];
         return rows.length === 2 || { pending: document.getElementById('missions').textContent };",
    );

    // Five laps for sim-03 alone, aborted from its row once it is under way.
    browser.click("#mission-target option[value=\"robot:sim-03\"]");
    browser.fill("#mission-laps", "5");
    browser.click("#mission-form button");
    let started = browser.wait_for(
        PAGE_TIMEOUT,
        "sim-03's mission running in the list",
        "const row = document.querySelector('#missions tr[data-state=\"running\"]');
         return row ? row.dataset.mission : { pending: document.getElementById('missions').textContent };",
    );
    let sim_03 = &robots[2];
    wait_until(PAGE_TIMEOUT, "sim-03 to drive", || {
        sim_03.sim.distance_travelled() > 0.2
    })
    .await;
    browser.click(&format!(
        "#missions tr[data-mission=\"{}\"] button.abort",
        started.as_str().expect("a mission id")
    ));
    wait_until(
        Duration::from_secs(3),
        "sim-03 to stop on the abort",
        || is_still(sim_03),
    )
    .await;
    let list = missions_of(&app, "sim-03").await;
    assert_eq!(list[0]["state"], "aborted", "{list:?}");
    assert_eq!(list[0]["reason"], "aborted from the dashboard");
    assert_eq!(list[0]["spec"]["laps"], 5);
    browser.wait_for(
        PAGE_TIMEOUT,
        "the abort in the mission list",
        "return !!document.querySelector('#missions tr[data-state=\"aborted\"]')",
    );
    drop(browser);
    app.stop().await;
}
