//! Replay timing drift: one minute of a generated session (ROBOTS robots at 20 Hz, ~300-byte
//! telemetry) replayed at 50x through Mosquitto by the orchestrator's player (records paged
//! from a SQLite file, a play clock, a rumqttc client), and, as the baseline in the same run,
//! the same messages from memory by a bare publish loop on the same schedule (tokio's timer, one
//! rumqttc client). Drift = |arrival after the first - recorded time after the first / rate|,
//! measured at a plain subscriber. Goal: replay p99 under 5 ms.
//!
//! `cargo bench -p fleet-tests --bench replay_drift` (`ROBOTS=N`, `RATE=R` to change).

use std::time::{Duration, Instant};

use fleet_protocol::RobotId;
use fleet_tests::latency::count_from_env;
use fleet_tests::{Broker, Observer, Received};
use orchestrator::recorder::{Record, RecordKind};
use orchestrator::replay::{MqttPublisher, Progress, Publish, ReplayOptions, play};
use orchestrator::store::Store;
use tokio::sync::{mpsc, watch};

const SESSION_MS: i64 = 60_000;
const PERIOD_MS: i64 = 50;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

fn telemetry(robot: &RobotId, seq: i64, at_ms: i64) -> Record {
    let payload = format!(
        concat!(
            "{{\"v\":1,\"seq\":{},\"ts_ms\":{},\"mode\":\"line_follow\",",
            "\"line\":{{\"left\":false,\"middle\":true,\"right\":false}},",
            "\"motors\":{{\"left\":0.42,\"right\":0.40}},\"battery_v\":7.91,",
            "\"pose\":{{\"x\":1.2345,\"y\":0.6789,\"heading\":1.5707}},",
            "\"servos\":{{\"base\":90,\"shoulder\":90,\"elbow\":90,\"wrist\":90,\"claw\":90}}}}"
        ),
        seq, at_ms
    );
    Record {
        topic: fleet_protocol::topic::telemetry(robot),
        robot: Some(robot.clone()),
        kind: RecordKind::Telemetry,
        at_ms,
        payload: payload.into_bytes(),
    }
}

async fn run() {
    let robots = count_from_env("ROBOTS", 10);
    let rate = std::env::var("RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.db"))
        .await
        .expect("store");
    let session = store.start_session("bench", 0).await.expect("session").id;
    let ids: Vec<RobotId> = (0..robots)
        .map(|i| RobotId::parse(&format!("bench-{i:03}")).expect("id"))
        .collect();
    let start = 1_796_000_000_000i64;
    let mut records = Vec::new();
    for tick in 0..SESSION_MS / PERIOD_MS {
        for (i, robot) in ids.iter().enumerate() {
            // Robots are out of phase, as real ones are.
            let at = start + tick * PERIOD_MS + (i as i64 * 7) % PERIOD_MS;
            records.push((session, telemetry(robot, tick, at)));
        }
    }
    records.sort_by_key(|(_, r)| r.at_ms);
    store.insert_records(&records).await.expect("insert");
    store.stop_session(start + SESSION_MS).await.expect("stop");
    let broker = Broker::start().await;
    println!(
        "{} records ({robots} robots x 20 Hz x 60 s) at {rate}x = {:.1} s of replay, load {}\n",
        records.len(),
        SESSION_MS as f64 / rate / 1_000.0,
        load_average()
    );
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>9}",
        "path", "p50 ms", "p99 ms", "max ms", "msgs"
    );

    let recorded: Vec<&Record> = records.iter().map(|(_, r)| r).collect();
    let baseline = measure(&broker, &recorded, rate, || {
        let broker = broker.address();
        let list: Vec<(String, Vec<u8>, i64)> = recorded
            .iter()
            .map(|r| (r.topic.clone(), r.payload.clone(), r.at_ms))
            .collect();
        async move {
            let mut publisher = MqttPublisher::connect(&broker).await.expect("connect");
            let t0 = Instant::now();
            let first = list[0].2;
            for (topic, payload, at) in list {
                let due = t0 + Duration::from_secs_f64((at - first) as f64 / 1_000.0 / rate);
                tokio::time::sleep_until(due.into()).await;
                publisher
                    .publish(fleet_protocol::topic::replayed(&topic), payload)
                    .await
                    .expect("publish");
            }
            publisher.finish().await;
        }
    })
    .await;
    print_row("bare publish loop (from memory)", &baseline);

    let replayed = measure(&broker, &recorded, rate, || {
        let broker = broker.address();
        let store = store.clone();
        async move {
            let mut publisher = MqttPublisher::connect(&broker).await.expect("connect");
            let options = ReplayOptions {
                rate,
                ..ReplayOptions::new(session)
            };
            let (_controls_tx, mut controls) = mpsc::unbounded_channel();
            let (progress, _) = watch::channel(Progress::default());
            play(&store, &options, &mut publisher, &mut controls, &progress)
                .await
                .expect("replay");
            publisher.finish().await;
        }
    })
    .await;
    print_row("orchestrator replay (SQLite pages)", &replayed);
    let p99 = percentile(&replayed, 0.99);
    println!(
        "\ngoal: replay p99 < 5 ms: {} ({p99:.2} ms; baseline p99 {:.2} ms)",
        if p99 < 5.0 { "met" } else { "NOT met" },
        percentile(&baseline, 0.99)
    );
    store.close().await;
}

/// Runs `publish` while a subscriber under `replay/#` records arrivals; returns each message's
/// drift in ms, sorted.
async fn measure<F, Fut>(broker: &Broker, recorded: &[&Record], rate: f64, publish: F) -> Vec<f64>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (feed, mut received) = mpsc::unbounded_channel::<Received>();
    let observer = Observer::connect_with_feed(&broker.address(), &["replay/#"], Some(feed)).await;
    let task = tokio::spawn(publish());
    let mut got = Vec::with_capacity(recorded.len());
    while got.len() < recorded.len() {
        match tokio::time::timeout(Duration::from_secs(10), received.recv()).await {
            Ok(Some(m)) => got.push(m),
            _ => break,
        }
    }
    task.await.expect("publisher task");
    drop(observer);
    assert_eq!(got.len(), recorded.len(), "messages lost");
    let first = recorded[0].at_ms;
    let mut drift: Vec<f64> = got
        .iter()
        .zip(recorded)
        .map(|(g, r)| {
            assert_eq!(g.payload, r.payload, "out of order");
            let played = g.at.duration_since(got[0].at).as_secs_f64() * 1_000.0;
            (played - (r.at_ms - first) as f64 / rate).abs()
        })
        .collect();
    drift.sort_by(f64::total_cmp);
    drift
}

/// The 1-, 5- and 15-minute load averages (Linux), so a figure can be read with its context.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn print_row(what: &str, drift: &[f64]) {
    println!(
        "{what:<36} {:>9.3} {:>9.3} {:>9.3} {:>9}",
        percentile(drift, 0.5),
        percentile(drift, 0.99),
        drift[drift.len() - 1],
        drift.len()
    );
}
