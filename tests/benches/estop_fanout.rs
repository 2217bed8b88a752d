//! Emergency-stop fan-out: from `POST /api/estop` issuing one `fleet/cmd` broadcast to the last
//! robot's acknowledgement, for 10, 100 and 1000 robots, with the embedded broker's access
//! control on (the default) and off (`--open`). Beside each: a bare MQTT fan-out of the same
//! size through the same broker (one publish, N plain clients each answering on its own topic,
//! time to the last answer), and once a bare publish -> receive round trip.
//!
//! `cargo bench -p fleet-tests --bench estop_fanout` (ROUNDS=n to change the samples per size,
//! SIZES=10,100 to choose the fleet sizes). Rows are printed as they are measured.
//! The robots run the real agent runtime on fake hardware (`fake_hardware()`), telemetry at
//! 1 Hz: a thousand simulators at 100 Hz physics would measure their physics on 2 cores, not
//! the fan-out. Each size gets a fresh orchestrator.

use std::time::{Duration, Instant};

use fleet_tests::fanout::BareFanout;
use fleet_tests::latency::{bare_mqtt_with, count_from_env, header, row};
use fleet_tests::orchestrator::in_state;
use fleet_tests::{TestApp, robot_id};
use orchestrator::contract::FanoutReport;
use robot_agent::runtime::fake::fake_hardware;
use robot_agent::runtime::{Agent, AgentConfig, AgentHandle};
use serde_json::json;

const SIZES: [usize; 3] = [10, 100, 1000];
const DEFAULT_ROUNDS: usize = 40;
const WARMUP: usize = 3;
const ECHO_SAMPLES: usize = 500;
const ECHO_WARMUP: usize = 50;

struct Row {
    what: String,
    samples: Vec<Duration>,
    /// Rounds where some robot did not acknowledge (counted, not hidden).
    incomplete: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds = count_from_env("ROUNDS", DEFAULT_ROUNDS);
    let sizes: Vec<usize> = std::env::var("SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| SIZES.to_vec());
    println!(
        "estop fan-out through the embedded broker (loopback, QoS 1, TCP_NODELAY), {rounds} rounds per size"
    );
    println!("{} {:>11}", header(), "incomplete");
    let print = |r: Row| println!("{} {:>11}", row(&r.what, r.samples), r.incomplete);
    for open in [false, true] {
        let access = if open { "acl off" } else { "acl on" };
        for &n in &sizes {
            let app = TestApp::spawn(|s| s.open = open).await;
            if n == sizes[0] {
                let (sub, publ) = (app.client_broker("echo-sub"), app.client_broker("echo-pub"));
                print(Row {
                    what: format!("{access}: bare MQTT publish -> receive"),
                    samples: bare_mqtt_with(&sub, &publ, ECHO_SAMPLES, ECHO_WARMUP).await,
                    incomplete: 0,
                });
            }
            print(bare_fanout(&app, n, rounds, access).await);
            let agents = spawn_agents(&app, n).await;
            let (server, wall, incomplete) = fan_out(&app, n, rounds).await;
            print(Row {
                what: format!("{access}: estop {n:>4}: issue -> last ack"),
                samples: server,
                incomplete,
            });
            print(Row {
                what: format!("{access}: estop {n:>4}: HTTP call"),
                samples: wall,
                incomplete,
            });
            // Releasing the agents first keeps the shutdown from being counted as link losses.
            let stopping = agents.into_iter().map(|a| tokio::spawn(a.shutdown()));
            for s in stopping {
                let _ = s.await;
            }
            app.stop().await;
        }
    }
}

/// The bare fan-out of `n` plain clients through `app`'s broker, `rounds` times.
async fn bare_fanout(app: &TestApp, n: usize, rounds: usize, access: &str) -> Row {
    let mut fanout = BareFanout::connect(n, |name| app.client_broker(name)).await;
    let (mut samples, mut incomplete) = (Vec::new(), 0);
    for round in 0..rounds + WARMUP {
        match fanout.round(round).await {
            Some(took) if round >= WARMUP => samples.push(took),
            Some(_) => {}
            None => incomplete += 1,
        }
    }
    Row {
        what: format!("{access}: bare fan-out {n:>4} -> last answer"),
        samples,
        incomplete,
    }
}

async fn spawn_agents(app: &TestApp, n: usize) -> Vec<AgentHandle> {
    let mut agents = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("bench-{i:04}");
        let mut config = AgentConfig::new(robot_id(&id), app.robot_broker(&id));
        config.telemetry_hz = 1.0;
        let (hardware, _probe) = fake_hardware();
        agents.push(
            Agent::build(config, hardware)
                .expect("agent config")
                .spawn(),
        );
    }
    let deadline = Duration::from_secs(120);
    app.wait_for_robots(deadline, "every robot online", |robots| {
        in_state(robots, "online").len() == n
    })
    .await;
    agents
}

/// Estop then release, `rounds` times; the estop is measured by the server (issue -> last
/// answer) and by the caller (the whole HTTP call).
async fn fan_out(app: &TestApp, n: usize, rounds: usize) -> (Vec<Duration>, Vec<Duration>, usize) {
    let (mut server, mut wall, mut incomplete) = (Vec::new(), Vec::new(), 0);
    for round in 0..rounds + WARMUP {
        let started = Instant::now();
        let estop = app.post("/api/estop", &json!({})).await;
        let took = started.elapsed();
        assert_eq!(estop.status, 200, "{estop:?}");
        let report: FanoutReport = estop.json();
        let acked = report.acknowledged.len();
        let release = app.post("/api/release", &json!({})).await;
        assert_eq!(release.status, 200, "{release:?}");
        if round < WARMUP {
            continue;
        }
        if acked != n {
            incomplete += 1;
        }
        let ms = report.elapsed_ms;
        server.push(Duration::from_secs_f64(ms / 1e3));
        wall.push(took);
    }
    (server, wall, incomplete)
}
