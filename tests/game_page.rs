//! The game page in a real headless Chromium: the teacher makes a game, students' robots (plain
//! MQTT clients) register and appear in their teams, a start refused for a robot not ready
//! lists it to tick, the start with it bypassed runs the game, and a capture shows its
//! countdown and then the carrier.

use fleet_tests::legacy_robot::LegacyRobot;
use fleet_tests::pages::PAGE_TIMEOUT;
use fleet_tests::webdriver::Browser;
use fleet_tests::{TestApp, spawn_sim_robot_on};
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_teacher_runs_a_game_from_its_page_and_sees_the_players_the_flag_and_the_score() {
    let app = TestApp::spawn(|_| {}).await;
    // An agent that registers but is estopped: not ready.
    let agent_id = "0xa1a1a1a1a131";
    let _agent = spawn_sim_robot_on(app.robot_broker(agent_id), agent_id, |_, _| {}).await;
    let browser = Browser::start();
    // The dashboard keeps the teacher's token for every page of this browser.
    browser.goto(&format!("{}/?token={TEST_TEACHER_TOKEN}", app.base_url));
    browser.goto(&format!("{}/game", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the new-game form",
        "return !document.querySelector('#new-game').closest('.teacher').hidden",
    );
    browser.fill("#game-name", "from the page");
    browser.fill("#game-capture", "1");
    browser.click("#new-game button");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the game in registration",
        "return document.getElementById('phase').textContent.includes('from the page: registration')",
    );

    let red = LegacyRobot::connect(&app, "0xdca632bf9101").await;
    red.register().await;
    let agent_player = LegacyRobot::connect(&app, agent_id).await;
    agent_player.register().await;
    let estop = app
        .post(
            &format!("/api/robots/{agent_id}/commands"),
            &json!({ "kind": "estop" }),
        )
        .await;
    assert_eq!(estop.status, 200, "{estop:?}");
    app.poll_get(&format!("/api/robots/{agent_id}"), PAGE_TIMEOUT, |r| {
        r.body["telemetry"]["mode"] == "estopped"
    })
    .await
    .unwrap_or_else(|r| panic!("{r:?}"));
    browser.wait_for(
        PAGE_TIMEOUT,
        "two players, a legacy one and an agent",
        "const rows = [...document.querySelectorAll('#players tr')];
         return rows.length === 2
           && rows[0].querySelector('[data-col=kind]').textContent.startsWith('legacy')
           && rows[1].querySelector('[data-col=kind]').textContent === 'agent'",
    );

    browser.click("[data-action=start]");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the not-ready agent offered for a bypass",
        &format!("return !!document.getElementById('bypass-{agent_id}')"),
    );
    browser.click(&format!("#bypass-{agent_id}"));
    browser.click("[data-action=start]");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the game running",
        "return document.getElementById('phase').textContent.includes(': running')",
    );

    red.enter().await;
    browser.wait_for(
        PAGE_TIMEOUT,
        "the capture's countdown",
        "return document.getElementById('flag').textContent.startsWith('being captured: 0xdca632bf9101')",
    );
    red.wait_for("flag", "FLAG_CATCHED").await;
    browser.wait_for(
        PAGE_TIMEOUT,
        "the carrier",
        "return document.getElementById('flag').textContent === 'carried by 0xdca632bf9101'
           && document.querySelector('[data-robot=\"0xdca632bf9101\"] [data-col=captures]').textContent === '1'",
    );
}
