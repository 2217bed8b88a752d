//! Rows per second persisted through the recorder from simulated robots, beside two baselines
//! measured in the same run on the same kind of file: autocommit single-row INSERTs, and the
//! store's multi-row batch INSERT called directly (no queue, no writer task).
//!
//! Run: `cargo bench -p orchestrator --bench recorder_ingest` (about 30 s; `BENCH_SECS=N`
//! sets the length of each scenario, 4 by default).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fleet_protocol::{Pose, RobotId, RobotMode, Telemetry, topic};
use orchestrator::domain::now_ms;
use orchestrator::recorder::{Record, RecordKind, Recorder, RecorderConfig, RecorderHandle};
use orchestrator::store::{SessionId, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

struct Row {
    scenario: String,
    offered_per_s: Option<f64>,
    persisted_per_s: f64,
    dropped_pct: Option<f64>,
    note: String,
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let span = Duration::from_secs(secs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let sample = telemetry(&robot_id(0), 1);
    println!(
        "recorder_ingest: telemetry payload {} bytes, {} s per scenario, {} CPUs",
        sample.payload.len(),
        secs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let rows = runtime.block_on(async {
        vec![
            autocommit_baseline(span).await,
            batch_baseline(span).await,
            through_recorder(100, None, span).await,
            through_recorder(1_000, None, span).await,
            through_recorder(1_000, Some(Duration::from_millis(50)), span).await,
        ]
    });
    print_table(&rows);
}

fn robot_id(n: usize) -> RobotId {
    RobotId::parse(&format!("sim-{n:04}")).expect("a valid id")
}

/// A realistic sample: every field set, as a simulated robot in line-follow mode sends it.
fn telemetry(robot: &RobotId, seq: u64) -> Record {
    let at_ms = now_ms();
    let mut t = Telemetry::new(seq, at_ms as u64);
    t.mode = RobotMode::LineFollow;
    t.line.middle = true;
    t.motors.left = 0.42;
    t.motors.right = 0.38;
    t.servos.camera_tilt = 90.0;
    t.servos.arm = 45.5;
    t.servos.forearm = 120.0;
    t.servos.wrist = 90.0;
    t.servos.claw = 30.0;
    t.battery_v = Some(7.83);
    t.pose = Some(Pose {
        x: 1.234_567 + seq as f64 * 1e-3,
        y: 0.765_432,
        heading: std::f64::consts::FRAC_PI_2,
    });
    Record {
        robot: Some(robot.clone()),
        kind: RecordKind::Telemetry,
        at_ms,
        topic: topic::telemetry(robot),
        payload: fleet_protocol::encode(&t),
    }
}

async fn fresh_store() -> (tempfile::TempDir, Store, SessionId) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(&dir.path().join("bench.db"))
        .await
        .expect("a store");
    let session = store
        .start_session("bench", now_ms())
        .await
        .expect("a session");
    (dir, store, session.id)
}

async fn autocommit_baseline(span: Duration) -> Row {
    let (dir, store, session) = fresh_store().await;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join("bench.db"))
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal),
        )
        .await
        .expect("a raw pool");
    let robots: Vec<RobotId> = (0..100).map(robot_id).collect();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < span {
        let r = telemetry(&robots[n as usize % robots.len()], n);
        sqlx::query(
            "INSERT INTO records (session_id, robot_id, kind, at_ms, topic, payload) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(session)
        .bind(r.robot.as_ref().map(RobotId::as_str))
        .bind(r.kind.as_str())
        .bind(r.at_ms)
        .bind(&r.topic)
        .bind(&r.payload)
        .execute(&pool)
        .await
        .expect("an insert");
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    pool.close().await;
    store.close().await;
    Row {
        scenario: "baseline: autocommit single-row INSERT".into(),
        offered_per_s: None,
        persisted_per_s: rate,
        dropped_pct: None,
        note: String::new(),
    }
}

async fn batch_baseline(span: Duration) -> Row {
    let (_dir, store, session) = fresh_store().await;
    let robots: Vec<RobotId> = (0..100).map(robot_id).collect();
    let batch_rows = RecorderConfig::default().batch_rows;
    let started = Instant::now();
    let mut n = 0u64;
    let mut build_time = Duration::ZERO;
    while started.elapsed() < span {
        let built = Instant::now();
        let batch: Vec<(SessionId, Record)> = (0..batch_rows as u64)
            .map(|i| (session, telemetry(&robots[(n + i) as usize % 100], n + i)))
            .collect();
        build_time += built.elapsed();
        n += store.insert_records(&batch).await.expect("a batch");
    }
    let elapsed = started.elapsed() - build_time;
    store.close().await;
    Row {
        scenario: format!("baseline: Store::insert_records, {batch_rows}-row txns"),
        offered_per_s: None,
        persisted_per_s: n as f64 / elapsed.as_secs_f64(),
        dropped_pct: None,
        note: "payload building excluded".into(),
    }
}

/// `robots` tasks each sending telemetry, at `period` or as fast as they can (`None`).
async fn through_recorder(robots: usize, period: Option<Duration>, span: Duration) -> Row {
    let (_dir, store, _) = fresh_store().await;
    let recorder = Recorder::spawn(store.clone(), RecorderConfig::default())
        .await
        .expect("a recorder");
    let running = Arc::new(AtomicBool::new(true));
    let started = Instant::now();
    let tasks: Vec<_> = (0..robots)
        .map(|n| {
            tokio::spawn(robot(
                robot_id(n),
                recorder.clone(),
                period,
                running.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(span).await;
    running.store(false, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a robot task");
    }
    recorder.shutdown().await.expect("a clean shutdown");
    let elapsed = started.elapsed().as_secs_f64();
    let stats = recorder.stats();
    store.close().await;
    let pace = match period {
        Some(p) => format!("{:.0} Hz", 1.0 / p.as_secs_f64()),
        None => "full speed".into(),
    };
    Row {
        scenario: format!("recorder: {robots} robots, {pace}"),
        offered_per_s: Some(stats.received as f64 / elapsed),
        persisted_per_s: stats.written as f64 / elapsed,
        dropped_pct: Some(100.0 * (stats.dropped + stats.lost) as f64 / stats.received as f64),
        note: format!(
            "{} batches, avg {:.0} rows, last commit {:.1} ms",
            stats.batches,
            stats.written as f64 / stats.batches.max(1) as f64,
            stats.last_flush_took_us as f64 / 1_000.0
        ),
    }
}

async fn robot(
    id: RobotId,
    recorder: RecorderHandle,
    period: Option<Duration>,
    running: Arc<AtomicBool>,
) {
    let mut ticker = period.map(tokio::time::interval);
    let mut seq = 0;
    while running.load(Ordering::Relaxed) {
        match ticker.as_mut() {
            Some(t) => {
                t.tick().await;
            }
            // Yield so a thousand spinning robots still share the runtime with the writer.
            None => tokio::task::yield_now().await,
        }
        recorder.record(telemetry(&id, seq));
        seq += 1;
    }
}

fn print_table(rows: &[Row]) {
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map_or("-".to_string(), f);
    println!();
    println!(
        "| {:<46} | {:>10} | {:>11} | {:>8} | notes",
        "scenario", "offered/s", "persisted/s", "dropped"
    );
    println!(
        "|{:-<48}|{:-<12}|{:-<13}|{:-<10}|{:-<40}",
        "", "", "", "", ""
    );
    for r in rows {
        println!(
            "| {:<46} | {:>10} | {:>11.0} | {:>8} | {}",
            r.scenario,
            opt(r.offered_per_s, |v| format!("{v:.0}")),
            r.persisted_per_s,
            opt(r.dropped_pct, |v| format!("{v:.1}%")),
            r.note
        );
    }
}
