//! Helpers for the group, estop and mission tests: several simulated robots on the app's
//! broker, DELETE requests, and polling a mission until it ends.

use std::time::{Duration, Instant};

use robot_agent::hal::sim::SimConfig;
use robot_agent::runtime::AgentConfig;
use serde_json::Value;

use crate::{Reply, SimRobot, TestApp, spawn_sim_robot_on};

const POLL_EVERY: Duration = Duration::from_millis(25);

/// Starts `ids.len()` simulated robots on the app's broker and waits until the app lists every
/// one of them online.
pub async fn spawn_robots(
    app: &TestApp,
    ids: &[&str],
    tweak: impl Fn(&mut AgentConfig, &mut SimConfig),
) -> Vec<SimRobot> {
    let mut robots = Vec::with_capacity(ids.len());
    for id in ids {
        robots.push(spawn_sim_robot_on(app.broker.clone(), id, &tweak).await);
    }
    for id in ids {
        app.wait_for_robot_state(id, "online", Duration::from_secs(15))
            .await;
    }
    robots
}

/// `DELETE path` with the teacher's token.
pub async fn delete(app: &TestApp, path: &str) -> Reply {
    let url = format!("{}{path}", app.base_url);
    let token = app.teacher_token.clone();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.delete(&url);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let mut response = request.call().expect("DELETE request");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("DELETE body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    })
    .await
    .expect("DELETE task")
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
    let deadline = Instant::now() + timeout;
    loop {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "GET {path}: {reply:?}");
        if pred(&reply.body) {
            return reply.body;
        }
        if Instant::now() >= deadline {
            panic!(
                "mission {id}: {what} not seen within {timeout:?}; last: {}",
                reply.text
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Waits for the mission to end (any terminal state) and returns it.
pub async fn wait_for_end(app: &TestApp, id: i64, timeout: Duration) -> Value {
    wait_for_mission(app, id, timeout, "an end", |m| {
        !matches!(m["state"].as_str(), Some("assigned" | "running"))
    })
    .await
}

/// The ids in one list of a fan-out report, sorted.
pub fn listed(report: &Value, list: &str) -> Vec<String> {
    let mut ids: Vec<String> = report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list:?} in {report}"))
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v["robot"].to_string())
        })
        .collect();
    ids.sort();
    ids
}
