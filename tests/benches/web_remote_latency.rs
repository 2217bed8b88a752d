//! Key-to-actuation latency of the web remote: from the keydown event in the page (headless
//! Chromium) to the agent calling `Motors::set` on (fake) hardware, through the page's fetch,
//! the orchestrator's HTTP API and robot actor, and MQTT. Printed beside the same command sent
//! straight to the HTTP API, and a bare MQTT publish -> receive through the same broker (a real
//! Mosquitto, TCP_NODELAY), all in one run.
//!
//! Both ends of the browser path are read off the same wall clock: the page stamps the key with
//! `performance.timeOrigin + performance.now()` (a capture listener this benchmark adds, so it
//! runs before the page's own handler), the hardware stamps its call with an `Instant` that is
//! converted to wall time. Chromium coarsens page timers to 0.1 ms.
//!
//! Run: `cargo bench -p fleet-tests --bench web_remote_latency` (SAMPLES=n to change the count).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fleet_tests::latency::{bare_mqtt, count_from_env, report, report_header};
use fleet_tests::webdriver::Browser;
use fleet_tests::{Broker, FakeRobot, TestApp, spawn_fake_robot, wait_until};
use orchestrator::broker::BrokerEndpoint;
use orchestrator::configuration::TEST_TEACHER_TOKEN;
use robot_agent::runtime::fake::MotorCall;
use serde_json::json;

const DEFAULT_SAMPLES: usize = 60;
const WARMUP: usize = 5;
const TIMEOUT: Duration = Duration::from_secs(5);
const ARROW_UP: &str = "\u{E013}";

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let samples = count_from_env("SAMPLES", DEFAULT_SAMPLES);
    let broker = Broker::start().await;
    let app = TestApp::spawn(|s| s.broker = BrokerEndpoint::External(broker.address())).await;
    let mut robot = spawn_fake_robot(&broker, "bench-01", |_| {}).await;
    app.wait_for_robot_state("bench-01", "online", TIMEOUT)
        .await;

    let baseline = bare_mqtt(&broker.address(), samples, WARMUP).await;
    let http = http_to_motors(&app, &mut robot, samples).await;
    let web = key_to_motors(&app, &mut robot, samples).await;

    println!(
        "web remote latency (loopback, Mosquitto, QoS 1, TCP_NODELAY, headless Chromium), {samples} samples"
    );
    report_header();
    report("bare MQTT publish -> receive", baseline);
    report("HTTP POST drive -> Motors::set", http);
    report("keydown in the page -> Motors::set", web);
    app.stop().await;
}

/// Wall-clock milliseconds of an `Instant` in the recent past.
fn wall_ms(at: Instant) -> f64 {
    let now_wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    (now_wall - at.elapsed()).as_secs_f64() * 1e3
}

/// The next motor call that drives (non-zero), skipping stops.
async fn next_drive(robot: &mut FakeRobot) -> MotorCall {
    loop {
        let call = tokio::time::timeout(TIMEOUT, robot.probe.motor_calls.recv())
            .await
            .expect("actuation within the timeout")
            .expect("agent running");
        if call.output.left != 0.0 || call.output.right != 0.0 {
            return call;
        }
    }
}

async fn wait_stopped(robot: &mut FakeRobot) {
    let probe = &robot.probe;
    wait_until(TIMEOUT, "the robot to stop", || probe.motors().left == 0.0).await;
    while robot.probe.motor_calls.try_recv().is_ok() {}
}

async fn key_to_motors(app: &TestApp, robot: &mut FakeRobot, samples: usize) -> Vec<Duration> {
    let browser = Browser::start();
    browser.goto(&format!(
        "{}/remote/bench-01?token={TEST_TEACHER_TOKEN}",
        app.base_url
    ));
    browser.wait_for(
        TIMEOUT,
        "the remote to be ready",
        "return document.getElementById('role').textContent === 'teacher'
            && document.getElementById('r-state').textContent === 'online'",
    );
    browser.execute(
        "window.__keyAt = [];
         window.addEventListener('keydown',
           () => window.__keyAt.push(performance.timeOrigin + performance.now()), true);",
        json!([]),
    );
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + WARMUP {
        wait_stopped(robot).await;
        browser.key_down(ARROW_UP);
        let call = next_drive(robot).await;
        let key_at = browser.execute(
            "return window.__keyAt[window.__keyAt.length - 1]",
            json!([]),
        );
        browser.key_up(ARROW_UP);
        let key_at = key_at.as_f64().expect("a key timestamp");
        let latency_ms = wall_ms(call.at) - key_at;
        assert!(
            latency_ms > 0.0,
            "actuation before the key: clocks disagree"
        );
        if i >= WARMUP {
            out.push(Duration::from_secs_f64(latency_ms / 1e3));
        }
    }
    out
}

async fn http_to_motors(app: &TestApp, robot: &mut FakeRobot, samples: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + WARMUP {
        wait_stopped(robot).await;
        let drive = json!({"kind": "drive", "speed": 0.5, "turn": 0.0});
        let sent = Instant::now();
        let post = app.post("/api/robots/bench-01/commands", &drive);
        let (reply, call) = tokio::join!(post, next_drive(robot));
        assert_eq!(reply.status, 200, "{reply:?}");
        if i >= WARMUP {
            out.push(call.at - sent);
        }
        let stop = app
            .post("/api/robots/bench-01/commands", &json!({"kind": "stop"}))
            .await;
        assert_eq!(stop.status, 200, "{stop:?}");
    }
    out
}
