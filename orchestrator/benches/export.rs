//! Export speed on a class-sized session: a generated database of 1 h x 30 robots x 20 Hz
//! (2.16 M telemetry records, ~310-byte payloads), exported as MCAP, CSV and JSON Lines, beside
//! a plain sqlx `SELECT` of the same rows measured in the same run (before and after the
//! exports, so a cache or a neighbour's build affects both alike). Goal: MCAP export at most
//! 1.5x the read and under 10 s.
//!
//! Run: `cargo bench -p orchestrator --bench export` (a few minutes, one of them generating
//! the database). `BENCH_ROBOTS`, `BENCH_HZ` and `BENCH_SECS` change the session's shape
//! (`BENCH_SECS=300` for a quick look); `BENCH_DIR` where the files go (default `/dev/shm`
//! when present); `BENCH_DB=FILE` keeps the generated database in FILE and reuses it when it
//! is already there (same shape); `BENCH_ONLY=mcap,csv` runs only the scenarios whose names
//! hold one of the words (the plain reads always run); `BENCH_RUNS` the runs per scenario.

#[path = "export/data.rs"]
mod data;
#[path = "common/machine.rs"]
mod machine;
#[path = "export/measure.rs"]
mod measure;

use std::path::Path;
use std::time::Instant;

use futures_util::TryStreamExt;
use orchestrator::domain::Record;
use orchestrator::export::{
    Decoded, ExportError, ExportSummary, Format, McapCompression, McapSink, RecordSink,
    decode_record, export_to_path, write_records,
};
use orchestrator::store::{PageReader, RecordQuery, SessionId, Store};

use data::{generate, reusable};
use machine::{bench_dir, load_average};
use measure::{env_or, file_mb, measure, print_table};

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
    let dir = bench_dir("export-bench");
    let kept = std::env::var_os("BENCH_DB").map(std::path::PathBuf::from);
    let db = kept.clone().unwrap_or_else(|| dir.path().join("fleet.db"));
    runtime.block_on(async {
        let rows_total = secs * hz * robots as u64;
        println!(
            "export: {secs} s x {robots} robots x {hz} Hz = {rows_total} telemetry records, {} CPUs, files in {}, load {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            dir.path().display(),
            load_average()
        );
        let started = Instant::now();
        let session = match reusable(&db, rows_total).await {
            Some(session) => {
                println!("reusing {} ({session})", db.display());
                session
            }
            None => {
                let _ = std::fs::remove_file(&db);
                let session = generate(&db, robots, hz, secs).await;
                println!(
                    "generated in {:.1} s ({:.0} rows/s)",
                    started.elapsed().as_secs_f64(),
                    rows_total as f64 / started.elapsed().as_secs_f64()
                );
                session
            }
        };
        let db_mb = file_mb(&db) + file_mb(&db.with_extension("db-wal"));
        println!("database {db_mb:.0} MB");

        // What an export after class opens: the file, read-only.
        let store = Store::open_read_only(&db).await.expect("the database, read-only");
        let stored_session = store
            .get_session(session)
            .await
            .expect("the session")
            .expect("the session exists");
        // One read to warm the page cache, so the first measured scenario is not penalised.
        let pool = store_path_pool(&db, None).await;
        plain_select(&pool, session).await;
        let wanted = |scenario: &str| {
            std::env::var("BENCH_ONLY").map_or(true, |only| {
                only.split(',')
                    .any(|word| scenario.to_lowercase().contains(&word.trim().to_lowercase()))
            })
        };
        let mut rows = Vec::new();
        rows.push(measure("baseline: plain sqlx SELECT (1)", || {
            plain_select(&pool, session)
        })
        .await);
        if wanted("select with a 4096-row buffer") {
            // sqlx's worker thread hands rows over a channel of 50 by default: how much of the
            // plain read is that hand-off.
            let buffered = store_path_pool(&db, Some(4_096)).await;
            rows.push(measure("select with a 4096-row buffer", || {
                plain_select(&buffered, session)
            })
            .await);
        }
        // Where an export's time goes: the store's paged read alone, then with the decoding.
        for (scenario, reader, decode) in [
            ("store: paged read", PageReader::CApi, false),
            ("store: paged read through sqlx", PageReader::Sqlx, false),
            ("store: paged read + decode", PageReader::CApi, true),
        ] {
            if wanted(scenario) {
                rows.push(measure(scenario, || paged(&store, session, reader, decode)).await);
            }
        }
        if wanted("export pipeline, null sink") {
            rows.push(measure("export pipeline, null sink", || null_export(&store, session)).await);
        }
        for (scenario, format) in [
            ("export: MCAP (zstd)", Format::Mcap),
            ("export: CSV (one file)", Format::Csv),
            ("export: JSON Lines", Format::Jsonl),
        ] {
            if !wanted(scenario) {
                continue;
            }
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
        // The shipped settings beside zstd's default level, compression on the exporting
        // thread, and pages read through sqlx.
        let shipped = McapCompression::default();
        for (scenario, compression, reader) in [
            (
                "MCAP, zstd level 3",
                McapCompression {
                    zstd_level: 3,
                    ..shipped
                },
                PageReader::CApi,
            ),
            (
                "MCAP, zstd in line",
                McapCompression {
                    threads: 0,
                    ..shipped
                },
                PageReader::CApi,
            ),
            ("MCAP, pages through sqlx", shipped, PageReader::Sqlx),
        ] {
            if !wanted(scenario) {
                continue;
            }
            let out = dir.path().join("variant.mcap");
            let mut row = measure(scenario, || async {
                let file = std::fs::File::create(&out).expect("an output file");
                let mut sink = McapSink::with_compression(
                    std::io::BufWriter::with_capacity(1 << 16, file),
                    &stored_session,
                    compression,
                )
                .expect("an MCAP writer");
                let pages = store
                    .record_pages(RecordQuery::session(session))
                    .await
                    .expect("pages")
                    .with_reader(reader);
                let summary = write_records(pages, &mut sink, &mut |_| {})
                    .await
                    .expect("an export");
                std::io::Write::flush(&mut sink.into_inner().expect("finished")).expect("flushed");
                summary.records
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
        println!("load {}", load_average());
    });
    if let Some(kept) = kept {
        println!("database kept in {}", kept.display());
    }
}

/// A read-only pool of one connection on the file, with sqlx's defaults unless `row_buffer`.
async fn store_path_pool(db: &Path, row_buffer: Option<usize>) -> sqlx::SqlitePool {
    let mut options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    if let Some(rows) = row_buffer {
        options = options.row_buffer_size(rows);
    }
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
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

async fn paged(store: &Store, session: SessionId, reader: PageReader, decode: bool) -> u64 {
    let mut pages = store
        .record_pages(RecordQuery::session(session))
        .await
        .expect("pages")
        .with_reader(reader);
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
