//! A student's web remote in a real headless Chromium (issue 9, item 3): the teacher's stop
//! hides "Release estop" and says only the teacher can lift it; a stop the student set itself
//! shows the button, and it lifts the stop.

use fleet_tests::pages::{PAGE_TIMEOUT, fleet_on_the_oval};
use fleet_tests::wait_until;
use fleet_tests::webdriver::Browser;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_students_remote_hides_release_for_the_teachers_stop_and_shows_it_for_its_own() {
    let (app, robots) = fleet_on_the_oval(1, 1.0).await;
    let token = app.student_token("ada", "sim-01").await;
    assert_eq!(app.post("/api/estop", &json!({})).await.status, 200);
    wait_until(PAGE_TIMEOUT, "the teacher's stop to latch", || {
        robots[0].agent.state().estopped
    })
    .await;

    let browser = Browser::start();
    browser.goto(&format!("{}/remote/sim-01?token={token}", app.base_url));
    browser.wait_for(
        PAGE_TIMEOUT,
        "the teacher's-stop notice and no release button",
        "const a = document.getElementById('alert');
         const r = document.getElementById('release');
         return document.getElementById('role').textContent === 'student'
           && !a.hidden && a.textContent.includes('only the teacher') && r.hidden
           || { pending: [a.textContent, r.hidden] };",
    );

    assert_eq!(app.post("/api/release", &json!({})).await.status, 200);
    let own = app
        .post_with_token(
            "/api/robots/sim-01/commands",
            &json!({"kind": "estop"}),
            Some(&token),
        )
        .await;
    assert_eq!(own.status, 200, "{own:?}");
    browser.wait_for(
        PAGE_TIMEOUT,
        "the release button for the student's own stop",
        "const r = document.getElementById('release');
         return !r.hidden || { pending: document.getElementById('alert').textContent };",
    );
    browser.click("#release");
    wait_until(
        PAGE_TIMEOUT,
        "the student's release to lift its own stop",
        || !robots[0].agent.state().estopped,
    )
    .await;
    drop(browser);
    app.stop().await;
}
