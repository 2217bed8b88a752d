//! Helpers for the group, estop and mission tests: several simulated robots on the app's
//! broker, polling a mission until it ends, and reading a fan-out report.

use std::time::Duration;

use fleet_protocol::RobotId;
use orchestrator::contract::FanoutReport;
use robot_agent::hal::sim::SimConfig;
use robot_agent::runtime::AgentConfig;
use serde_json::Value;

use crate::{Reply, SimRobot, TestApp, spawn_sim_robot_on};

/// Starts `ids.len()` simulated robots on the app's broker and waits until the app lists every
/// one of them online.
pub async fn spawn_robots(
    app: &TestApp,
    ids: &[&str],
    tweak: impl Fn(&mut AgentConfig, &mut SimConfig),
) -> Vec<SimRobot> {
    let mut robots = Vec::with_capacity(ids.len());
    for id in ids {
        robots.push(spawn_sim_robot_on(app.robot_broker(id), id, &tweak).await);
    }
    for id in ids {
        app.wait_for_robot_state(id, "online", Duration::from_secs(15))
            .await;
    }
    robots
}

/// Polls `GET /api/missions/{id}` until `pred` holds; returns the mission.
pub async fn wait_for_mission(
    app: &TestApp,
    id: i64,
    timeout: Duration,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/missions/{id}");
    let done = |reply: &Reply| {
        assert_eq!(reply.status, 200, "GET {path}: {reply:?}");
        pred(&reply.body)
    };
    match app.poll_get(&path, timeout, done).await {
        Ok(reply) => reply.body,
        Err(last) => panic!(
            "mission {id}: {what} not seen within {timeout:?}; last: {}",
            last.text
        ),
    }
}

/// Waits for the mission to end (any terminal state) and returns it.
pub async fn wait_for_end(app: &TestApp, id: i64, timeout: Duration) -> Value {
    wait_for_mission(app, id, timeout, "an end", |m| {
        !matches!(m["state"].as_str(), Some("assigned" | "running"))
    })
    .await
}

/// The ids in one list of a fan-out report (`contract::FanoutReport`), sorted.
pub fn listed(report: &Value, list: &str) -> Vec<String> {
    let report: FanoutReport = serde_json::from_value(report.clone())
        .unwrap_or_else(|e| panic!("not a fan-out report ({e}): {report}"));
    let robots: Vec<&RobotId> = match list {
        "acknowledged" => report.acknowledged.iter().collect(),
        "no_answer" => report.no_answer.iter().collect(),
        "offline" => report.offline.iter().collect(),
        "unknown" => report.unknown.iter().collect(),
        "refused" => report.refused.iter().map(|r| &r.robot).collect(),
        "failed" => report.failed.iter().map(|f| &f.robot).collect(),
        other => panic!("a fan-out report has no list {other:?}"),
    };
    let mut ids: Vec<String> = robots.iter().map(|r| r.as_str().to_owned()).collect();
    ids.sort();
    ids
}
