//! Telemetry ingest: rows/s the orchestrator persists with N simulated robots at 10 Hz and at
//! full speed, beside a bare MQTT subscriber counting the same messages in the same run (the
//! broker's own limit), plus the orchestrator's memory per robot actor.
//!
//! `cargo bench -p fleet-tests --bench telemetry_ingest`. A few connections publish on behalf
//! of many robot ids (a thousand full simulated agents would measure their physics instead).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use fleet_protocol::{RobotId, Telemetry, encode, topic};
use fleet_tests::TestApp;
use fleet_tests::raw_mqtt::RawClient;
use orchestrator::recorder::RecorderStats;
use rumqttc::QoS;

const PUBLISHERS: usize = 4;
const STREAM_FOR: Duration = Duration::from_secs(6);
/// How long the pipeline may take to drain after the publishers stop.
const DRAIN_WITHIN: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
enum Rate {
    Hz(u32),
    FullSpeed,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Hz(hz) => write!(f, "{hz} Hz"),
            Rate::FullSpeed => write!(f, "full speed"),
        }
    }
}

struct Outcome {
    robots: usize,
    rate: Rate,
    sent: u64,
    bare: u64,
    accepted: u64,
    written: u64,
    rows_per_s: f64,
    bare_per_s: f64,
    recorder_dropped: u64,
    recorder_lost: u64,
    mqtt_dropped: u64,
    rss_per_robot: Option<f64>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // `cargo bench ... -- 100` runs only the scenarios with that many robots.
    let only: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let mut outcomes = Vec::new();
    for robots in [100, 1000] {
        if !only.is_empty() && !only.contains(&robots) {
            continue;
        }
        for rate in [Rate::Hz(10), Rate::FullSpeed] {
            eprintln!("running: {robots} robots at {rate}");
            let outcome = runtime.block_on(scenario(robots, rate));
            print_row(&outcome);
            outcomes.push(outcome);
        }
    }
    println!(
        "\n== telemetry ingest ({}s per run, {PUBLISHERS} publishing connections) ==",
        STREAM_FOR.as_secs()
    );
    println!(
        "{:>6} {:>10} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>8} {:>6} {:>8} {:>10}",
        "robots",
        "rate",
        "sent",
        "bare rx",
        "accepted",
        "rows",
        "rows/s",
        "bare msg/s",
        "rec.drop",
        "lost",
        "mqtt.drop",
        "RSS/robot"
    );
    for o in &outcomes {
        print_row(o);
    }
}

fn print_row(o: &Outcome) {
    let rss = o
        .rss_per_robot
        .map(|b| format!("{:.1} KiB", b / 1024.0))
        .unwrap_or_else(|| "-".into());
    println!(
        "{:>6} {:>10} {:>9} {:>9} {:>9} {:>9} {:>11.0} {:>11.0} {:>8} {:>6} {:>8} {:>10}",
        o.robots,
        o.rate.to_string(),
        o.sent,
        o.bare,
        o.accepted,
        o.written,
        o.rows_per_s,
        o.bare_per_s,
        o.recorder_dropped,
        o.recorder_lost,
        o.mqtt_dropped,
        rss
    );
}

fn id(i: usize) -> RobotId {
    RobotId::parse(&format!("b-{i:05}")).expect("valid id")
}

async fn scenario(robots: usize, rate: Rate) -> Outcome {
    let app = TestApp::spawn(|_| {}).await;
    // The same wildcard the orchestrator subscribes with.
    let filter = fleet_protocol::TopicKind::Telemetry.wildcard();
    let bare = RawClient::subscriber(&app.client_broker("bare"), "bare", &[&filter]).await;
    let mut publishers = Vec::new();
    for n in 0..PUBLISHERS {
        publishers.push(
            RawClient::connect(&app.client_broker(&format!("pub{n}")), &format!("pub{n}")).await,
        );
    }

    // Memory: every robot announces itself once; RSS before and after its actor exists.
    // Retained, as robots do: the app may still be subscribing when the births go out.
    let rss_before = rss_bytes();
    for i in 0..robots {
        publishers[i % PUBLISHERS].announce(&id(i)).await;
    }
    app.wait_for_robots(DRAIN_WITHIN, "every robot listed", |r| r.len() == robots)
        .await;
    let rss_per_robot = match (rss_before, rss_bytes()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before) as f64 / robots as f64),
        _ => None,
    };
    settle(&app).await;

    let recorder_before = app.recorder_stats();
    let accepted_before = accepted(&app).await;
    let bare_before = bare.received();
    let sent_before: u64 = publishers.iter().map(RawClient::sent).sum();

    let started = Instant::now();
    let started_ms = orchestrator::domain::now_ms();
    let running = Arc::new(AtomicBool::new(true));
    let mut tasks = Vec::new();
    let publishers = Arc::new(publishers);
    for p in 0..PUBLISHERS {
        let (publishers, running) = (publishers.clone(), running.clone());
        let ids: Vec<RobotId> = (p..robots).step_by(PUBLISHERS).map(id).collect();
        tasks.push(tokio::spawn(async move {
            stream(&publishers[p], &ids, rate, &running).await;
        }));
    }
    tokio::time::sleep(STREAM_FOR).await;
    running.store(false, Relaxed);
    for t in tasks {
        t.await.expect("publisher task");
    }
    let published_for = started.elapsed();
    let after = settle(&app).await;

    let bare_count = bare.received() - bare_before;
    let written = after.written - recorder_before.written;
    // Rows are persisted once their batch commits: time from the first publish to the last commit.
    let persisted_for_ms = (after.last_flush_at_ms - started_ms).max(1) as f64;
    let stats = app.stats().await;
    let mqtt_dropped: u64 = stats.mqtt.dropped_total();
    let outcome = Outcome {
        robots,
        rate,
        sent: publishers.iter().map(RawClient::sent).sum::<u64>() - sent_before,
        bare: bare_count,
        accepted: accepted(&app).await - accepted_before,
        written,
        rows_per_s: written as f64 * 1000.0 / persisted_for_ms,
        bare_per_s: bare_count as f64 / published_for.as_secs_f64(),
        recorder_dropped: after.dropped - recorder_before.dropped,
        recorder_lost: after.lost - recorder_before.lost,
        mqtt_dropped,
        rss_per_robot,
    };
    drop(bare);
    app.stop().await;
    outcome
}

/// One connection's share of the robots: a sample each per period, or back to back.
async fn stream(client: &RawClient, ids: &[RobotId], rate: Rate, running: &AtomicBool) {
    let topics: Vec<String> = ids.iter().map(topic::telemetry).collect();
    let mut seq = 0;
    let mut next = tokio::time::Instant::now();
    while running.load(Relaxed) {
        seq += 1;
        for t in &topics {
            let sample = encode(&Telemetry::new(seq, seq));
            client.publish(t, sample, QoS::AtMostOnce, false).await;
        }
        match rate {
            Rate::Hz(hz) => {
                next += Duration::from_secs(1) / hz;
                tokio::time::sleep_until(next).await;
            }
            // Yield so the stop flag and the other publishers get a turn.
            Rate::FullSpeed => tokio::task::yield_now().await,
        }
    }
}

/// Waits until the recorder has written or accounted for everything it was offered and the
/// count stops moving; returns its counters.
async fn settle(app: &TestApp) -> RecorderStats {
    let deadline = Instant::now() + DRAIN_WITHIN;
    let mut last = app.recorder_stats();
    loop {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = app.recorder_stats();
        let accounted = now.written + now.dropped + now.lost;
        if now.received == last.received && accounted == now.received && now.pending == 0 {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the recorder did not drain: {now:?}"
        );
        last = now;
    }
}

async fn accepted(app: &TestApp) -> u64 {
    app.stats().await.mqtt.accepted
}

/// This process's resident memory (the orchestrator runs in it), from /proc/self/status.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
