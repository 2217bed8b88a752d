//! What the browser tests share: an orchestrator with simulated robots spread along the oval's
//! bottom straight, and readings of the dashboard's map markers.

use std::time::Duration;

use fleet_protocol::Pose;
use serde::Deserialize;

use crate::orchestrator::in_state;
use crate::webdriver::Browser;
use crate::{SimRobot, TestApp, spawn_sim_robot_on};

/// How long a page may take to show what a test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// The orchestrator and `n` simulated robots (`sim-01`, ...) 35 cm apart on the oval's bottom
/// straight, facing along it, simulated `time_scale` times faster than real time; returns once
/// every robot is online.
pub async fn fleet_on_the_oval(n: usize, time_scale: f64) -> (TestApp, Vec<SimRobot>) {
    let app = TestApp::spawn(|_| {}).await;
    let mut robots = Vec::new();
    for i in 0..n {
        let id = format!("sim-{:02}", i + 1);
        let robot = spawn_sim_robot_on(app.robot_broker(&id), &id, |_, sim| {
            sim.time_scale = time_scale;
            sim.start = Some(Pose {
                x: 0.5 + 0.35 * i as f64,
                y: 0.2,
                heading: 0.0,
            });
        })
        .await;
        robots.push(robot);
    }
    app.wait_for_robots(PAGE_TIMEOUT, "every robot online", |list| {
        in_state(list, "online").len() == n
    })
    .await;
    (app, robots)
}

/// A robot's marker on the dashboard's map, as the page placed it (metres, y up), with the
/// telemetry sample it was drawn from.
#[derive(Debug, Clone, Deserialize)]
pub struct Marker {
    pub robot: String,
    pub x: f64,
    pub y: f64,
    pub seq: u64,
}

/// Every marker on the map, read from its data attributes; panics if a marker is not drawn
/// where its attributes say (the drawing flips y: SVG's goes down).
pub fn markers(browser: &Browser) -> Vec<Marker> {
    let found = browser.execute(
        "const h = document.getElementById('map').viewBox.baseVal.height;
         return [...document.querySelectorAll('#map g.robot')].map(g => {
           const drawn = g.transform.baseVal.consolidate().matrix;
           return { robot: g.dataset.robot, x: Number(g.dataset.x), y: Number(g.dataset.y),
             seq: Number(g.dataset.seq), drawn_x: drawn.e, drawn_y: h - drawn.f };
         })",
        serde_json::json!([]),
    );
    let drawn: Vec<Drawn> =
        serde_json::from_value(found.clone()).unwrap_or_else(|e| panic!("markers {found}: {e}"));
    drawn
        .into_iter()
        .map(|d| {
            let gap = (d.drawn_x - d.marker.x).hypot(d.drawn_y - d.marker.y);
            assert!(
                gap < 0.001,
                "{} drawn {gap} m from its data attributes: {found}",
                d.marker.robot
            );
            d.marker
        })
        .collect()
}

#[derive(Deserialize)]
struct Drawn {
    #[serde(flatten)]
    marker: Marker,
    drawn_x: f64,
    drawn_y: f64,
}
