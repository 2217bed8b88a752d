//! Export speed on a class-sized session: a generated database of 1 h x 30 robots x 20 Hz
//! (2.16 M telemetry records, ~310-byte payloads), exported as MCAP, CSV and JSON Lines, beside
//! a plain sqlx `SELECT` of the same rows measured in the same run (before and after the
//! exports, so a cache or a neighbour's build affects both alike). Goal: MCAP export at most
//! 1.5x the read and under 10 s.
//!
//! Run: `cargo bench -p orchestrator --bench export` (about a minute, half of it generating
//! the database). `BENCH_ROBOTS`, `BENCH_HZ` and `BENCH_SECS` change the session's shape;
//! `BENCH_DIR` where the files go (default `/dev/shm` when present).

use std::path::Path;
use std::time::{Duration, Instant};

use fleet_protocol::{Pose, RobotId, RobotMode, Telemetry, encode, topic};
use futures_util::TryStreamExt;
use orchestrator::domain::{Record, RecordKind};
use orchestrator::export::{
    Decoded, ExportError, ExportSummary, Format, RecordSink, decode_record, export_to_path,
    write_records,
};
use orchestrator::store::{RecordQuery, SessionId, Store};

/// Rows per generating transaction (the store writes them as 500-row INSERTs).
const GENERATE_BATCH: usize = 50_000;
const T0_MS: i64 = 1_700_000_000_000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Row {
    scenario: &'static str,
    took: Duration,
    /// CPU seconds of the whole process (every thread) in the best run: steadier than the wall
    /// time on a machine shared with other builds.
    cpu: f64,
    bytes: Option<u64>,
    rss_mb: f64,
}

fn main() {
    let robots = env_or("BENCH_ROBOTS", 30) as usize;
    let hz = env_or("BENCH_HZ", 20).max(1);
    let secs = env_or("BENCH_SECS", 3_600);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // RAM-backed when the machine has it: the database (~0.8 GB) and the exports (up to 1 GB
    // each, removed after measuring) never touch a shared disk, and every scenario reads and
    // writes at memory speed alike. `BENCH_DIR` picks another place.
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| Some(std::path::PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("export-bench")
        .tempdir_in(&base)
        .expect("a temporary directory");
    let db = dir.path().join("fleet.db");
    runtime.block_on(async {
        let rows_total = secs * hz * robots as u64;
        println!(
            "export: {secs} s x {robots} robots x {hz} Hz = {rows_total} telemetry records, {} CPUs, files in {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            base.display()
        );
        let started = Instant::now();
        let session = generate(&db, robots, hz, secs).await;
        let db_mb = file_mb(&db) + file_mb(&db.with_extension("db-wal"));
        println!(
            "generated in {:.1} s ({:.0} rows/s), database {db_mb:.0} MB",
            started.elapsed().as_secs_f64(),
            rows_total as f64 / started.elapsed().as_secs_f64()
        );

        // What an export after class opens: the file, read-only.
        let store = Store::open_read_only(&db).await.expect("the database, read-only");
        // One read to warm the page cache, so the first measured scenario is not penalised.
        plain_select(&store_path_pool(&db).await, session).await;
        let mut rows = Vec::new();
        let pool = store_path_pool(&db).await;
        rows.push(measure("baseline: plain sqlx SELECT (1)", || {
            plain_select(&pool, session)
        })
        .await);
        // Where an export's time goes: the store's paged read alone, then with the decoding.
        rows.push(measure("store: paged read", || paged(&store, session, false)).await);
        rows.push(measure("store: paged read + decode", || paged(&store, session, true)).await);
        rows.push(measure("export pipeline, null sink", || null_export(&store, session)).await);
        for (scenario, format) in [
            ("export: MCAP (zstd)", Format::Mcap),
            ("export: CSV (one file)", Format::Csv),
            ("export: JSON Lines", Format::Jsonl),
        ] {
            let out = dir.path().join(format!("session.{}", format.as_str()));
            let mut row = measure(scenario, || async {
                let summary = export(&store, session, format, &out).await;
                assert_eq!(summary.records, rows_total, "{scenario} exported every record");
                assert_eq!(summary.unreadable, 0);
                rows_total
            })
            .await;
            row.bytes = std::fs::metadata(&out).ok().map(|m| m.len());
            rows.push(row);
            let _ = std::fs::remove_file(&out);
        }
        rows.push(measure("baseline: plain sqlx SELECT (2)", || {
            plain_select(&pool, session)
        })
        .await);
        print_table(&rows, rows_total);
    });
}

async fn generate(db: &Path, robots: usize, hz: u64, secs: u64) -> SessionId {
    let store = Store::open(db).await.expect("a new database");
    let session = store
        .start_session("bench class", T0_MS)
        .await
        .expect("a session")
        .id;
    let ids: Vec<RobotId> = (0..robots)
        .map(|n| RobotId::parse(&format!("sim-{n:04}")).expect("a valid id"))
        .collect();
    let topics: Vec<String> = ids.iter().map(topic::telemetry).collect();
    let period_ms = 1_000 / hz as i64;
    let mut batch = Vec::with_capacity(GENERATE_BATCH);
    for tick in 0..secs * hz {
        let at_ms = T0_MS + tick as i64 * period_ms;
        for (n, robot) in ids.iter().enumerate() {
            // Robots' clocks are a few ms off the server's, and receipt spreads over the tick.
            let received = at_ms + (n as i64 % period_ms.max(1));
            batch.push((session, sample(robot, &topics[n], tick, received)));
        }
        if batch.len() >= GENERATE_BATCH {
            store.insert_records(&batch).await.expect("a batch");
            batch.clear();
        }
    }
    store.insert_records(&batch).await.expect("the last batch");
    store
        .stop_session(T0_MS + (secs * 1_000) as i64)
        .await
        .expect("stopped");
    store.close().await;
    session
}

/// A line-following robot's sample with every field set, as the simulator sends it.
fn sample(robot: &RobotId, topic: &str, seq: u64, at_ms: i64) -> Record {
    let mut t = Telemetry::new(seq, (at_ms - 3) as u64);
    t.mode = RobotMode::LineFollow;
    t.line.middle = true;
    t.line.left = seq.is_multiple_of(7);
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
        heading: (seq as f64 * 0.01) % std::f64::consts::TAU,
    });
    Record {
        robot: Some(robot.clone()),
        kind: RecordKind::Telemetry,
        at_ms,
        topic: topic.to_owned(),
        payload: encode(&t),
    }
}

/// A read-only pool of one connection on the file, as the store's own reader is.
async fn store_path_pool(db: &Path) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db)
                .read_only(true),
        )
        .await
        .expect("a read pool")
}

/// The baseline: the same rows, in the same order, decoded into the same Rust values, with
/// nothing done with them but a checksum.
async fn plain_select(pool: &sqlx::SqlitePool, session: SessionId) -> u64 {
    type Row = (i64, i64, Option<String>, String, i64, String, Vec<u8>);
    let mut rows = sqlx::query_as::<_, Row>(
        "SELECT id, session_id, robot_id, kind, at_ms, topic, payload FROM records \
         WHERE session_id = ? ORDER BY at_ms, id",
    )
    .bind(session)
    .fetch(pool);
    let (mut count, mut bytes) = (0u64, 0u64);
    while let Some(row) = rows.try_next().await.expect("a row") {
        count += 1;
        bytes += row.6.len() as u64;
    }
    assert!(bytes > 0);
    count
}

async fn paged(store: &Store, session: SessionId, decode: bool) -> u64 {
    let mut pages = store
        .record_pages(RecordQuery::session(session))
        .await
        .expect("pages");
    let (mut count, mut decoded) = (0u64, 0u64);
    while let Some(page) = pages.next_page().await.expect("a page") {
        for stored in &page {
            count += 1;
            if decode {
                decoded += u64::from(decode_record(&stored.record).is_message());
            }
        }
    }
    assert!(!decode || decoded == count);
    count
}

/// A sink that keeps nothing: what the export's own pipeline (paging, decoding) costs.
struct NullSink(u64);

impl RecordSink for NullSink {
    fn write(&mut self, record: &Record, _: &Decoded) -> Result<(), ExportError> {
        self.0 += record.payload.len() as u64;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        Ok(())
    }
}

async fn null_export(store: &Store, session: SessionId) -> u64 {
    let pages = store
        .record_pages(RecordQuery::session(session))
        .await
        .expect("pages");
    let mut sink = NullSink(0);
    let summary = write_records(pages, &mut sink, &mut |_| {})
        .await
        .expect("an export");
    assert!(sink.0 > 0);
    summary.records
}

async fn export(store: &Store, session: SessionId, format: Format, out: &Path) -> ExportSummary {
    let query = RecordQuery::session(session);
    export_to_path(store, query, format, out, &mut |_| {})
        .await
        .expect("an export")
}

/// The best of `BENCH_RUNS` runs (2 by default): on a machine shared with other builds the
/// best run is the one least disturbed, for the baseline and the exports alike.
async fn measure<F, Fut>(scenario: &'static str, run: F) -> Row
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let (mut took, mut cpu) = (Duration::MAX, 0.0);
    for _ in 0..env_or("BENCH_RUNS", 2).max(1) {
        let (started, cpu_before) = (Instant::now(), cpu_seconds());
        let rows = run().await;
        if started.elapsed() < took {
            took = started.elapsed();
            cpu = cpu_seconds() - cpu_before;
        }
        assert!(rows > 0, "{scenario} read nothing");
    }
    Row {
        scenario,
        took,
        cpu,
        bytes: None,
        rss_mb: rss_mb(),
    }
}

fn print_table(rows: &[Row], records: u64) {
    let baselines: Vec<f64> = rows
        .iter()
        .filter(|r| r.scenario.starts_with("baseline"))
        .map(|r| r.took.as_secs_f64())
        .collect();
    let read = baselines.iter().sum::<f64>() / baselines.len().max(1) as f64;
    println!();
    println!(
        "{:<34} {:>8} {:>8} {:>12} {:>9} {:>10} {:>8}",
        "scenario", "s", "CPU s", "records/s", "x read", "output MB", "RSS MB"
    );
    for row in rows {
        let s = row.took.as_secs_f64();
        println!(
            "{:<34} {:>8.2} {:>8.2} {:>12.0} {:>9.2} {:>10} {:>8.0}",
            row.scenario,
            s,
            row.cpu,
            records as f64 / s,
            s / read,
            row.bytes
                .map_or("-".to_owned(), |b| format!("{:.0}", b as f64 / 1e6)),
            row.rss_mb
        );
    }
    if let Some(mcap) = rows.iter().find(|r| r.scenario.contains("MCAP")) {
        let s = mcap.took.as_secs_f64();
        let verdict = |met: bool| if met { "PASS" } else { "MISS" };
        println!();
        println!(
            "{} goal: MCAP export <= 1.5x the plain read: {s:.2} s = {:.2}x ({read:.2} s, mean of both reads)",
            verdict(s / read <= 1.5),
            s / read
        );
        println!("{} goal: MCAP export < 10 s: {s:.2} s", verdict(s < 10.0));
    }
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6)
}

/// CPU time of this process so far, user + system, every thread (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident memory now (Linux), to show an export's memory stays flat.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1e3)
}
