//! Groups end to end: managed through the API with clear errors, and a command sent to a group
//! reaches its members and no one else.

use std::time::Duration;

use fleet_tests::fleet_ops::{listed, spawn_robots};
use fleet_tests::{TestApp, wait_until};
use orchestrator::contract::{FanoutReport, Group};
use robot_agent::hal::Rgb;
use serde_json::json;

fn members(group: &Group) -> Vec<&str> {
    group.members.iter().map(|m| m.as_str()).collect()
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_command_reaches_only_the_robots_of_its_group() {
    let app = TestApp::spawn(|_| {}).await;
    let robots = spawn_robots(&app, &["t1", "t2", "t3", "t4"], |_, _| {}).await;
    let red = app
        .post(
            "/api/groups",
            &json!({ "name": "table-1", "robots": ["t1", "t3"] }),
        )
        .await;
    assert_eq!(red.status, 201, "{red:?}");
    let before: Vec<Rgb> = robots.iter().map(|r| r.sim.leds()).collect();

    let report = app
        .post(
            "/api/groups/table-1/commands",
            &json!({ "kind": "led", "r": 255, "g": 0, "b": 0 }),
        )
        .await;

    assert_eq!(report.status, 200, "{report:?}");
    assert_eq!(report.json::<FanoutReport>().target, "group:table-1");
    assert_eq!(listed(&report.body, "acknowledged"), ["t1", "t3"]);
    let red_led = Rgb { r: 255, g: 0, b: 0 };
    let now: Vec<Rgb> = robots.iter().map(|r| r.sim.leds()).collect();
    assert_eq!(now, [red_led, before[1], red_led, before[3]]);

    // And one command to every robot is one broadcast, every robot answering.
    let all = app
        .post(
            "/api/fleet/commands",
            &json!({ "kind": "led", "r": 0, "g": 0, "b": 255 }),
        )
        .await;
    assert_eq!(all.status, 200, "{all:?}");
    assert_eq!(listed(&all.body, "acknowledged"), ["t1", "t2", "t3", "t4"]);
    let blue = Rgb { r: 0, g: 0, b: 255 };
    wait_until(WAIT, "every LED blue", || {
        robots.iter().all(|r| r.sim.leds() == blue)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_managed_through_the_api_and_mistakes_get_clear_errors() {
    let app = TestApp::spawn(|_| {}).await;
    spawn_robots(&app, &["t1", "t2"], |_, _| {}).await;

    let ghost = app
        .post(
            "/api/groups",
            &json!({ "name": "red", "robots": ["ghost"] }),
        )
        .await;
    assert_eq!(
        (ghost.status, ghost.error()),
        (404, "no robot ghost has been seen")
    );
    let bad = app
        .post("/api/groups", &json!({ "name": "red team" }))
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(bad.error().contains("bad group name"), "{bad:?}");
    let hostile = app
        .post("/api/groups", &json!({ "name": "red", "robots": ["a/b"] }))
        .await;
    assert_eq!(hostile.status, 400, "{hostile:?}");

    let created = app.post("/api/groups", &json!({ "name": "red" })).await;
    assert_eq!(created.status, 201, "{created:?}");
    let again = app.post("/api/groups", &json!({ "name": "red" })).await;
    assert_eq!(
        (again.status, again.error()),
        (409, "a group named red already exists")
    );
    let added = app
        .post(
            "/api/groups/red/members",
            &json!({ "robots": ["t2", "t1"] }),
        )
        .await;
    assert_eq!(added.status, 200, "{added:?}");
    assert_eq!(members(&added.json()), ["t1", "t2"]);
    let listed_groups = app.get("/api/groups").await;
    assert_eq!(listed_groups.json::<Vec<Group>>()[0].name.as_str(), "red");

    let removed = app.delete("/api/groups/red/members/t1").await;
    assert_eq!(members(&removed.json()), ["t2"], "{removed:?}");
    let stranger = app.delete("/api/groups/red/members/t1").await;
    assert_eq!(
        (stranger.status, stranger.error()),
        (404, "robot t1 is not in group red")
    );
    let unknown = app
        .post("/api/groups/blue/commands", &json!({ "kind": "stop" }))
        .await;
    assert_eq!(
        (unknown.status, unknown.error()),
        (404, "no group named blue")
    );
    let bad_command = app
        .post(
            "/api/groups/red/commands",
            &json!({ "kind": "drive", "speed": 7, "turn": 0 }),
        )
        .await;
    assert_eq!(bad_command.status, 400, "{bad_command:?}");

    let gone = app.delete("/api/groups/red").await;
    assert_eq!(gone.status, 200, "{gone:?}");
    assert_eq!(app.get("/api/groups/red").await.status, 404);
    assert_eq!(app.delete("/api/groups/red").await.status, 404);
}
