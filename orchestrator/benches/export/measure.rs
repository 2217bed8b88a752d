//! The export bench's measuring and reporting: best of several runs, wall and CPU seconds,
//! resident memory, and the table with a PASS/MISS line per goal.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::machine::cpu_seconds;

pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Row {
    pub scenario: &'static str,
    pub took: Duration,
    /// CPU seconds of the whole process (every thread) in the best run: steadier than the wall
    /// time on a machine shared with other builds.
    pub cpu: f64,
    pub bytes: Option<u64>,
    pub rss_mb: f64,
}

/// The best of `BENCH_RUNS` runs (2 by default): on a machine shared with other builds the
/// best run is the one least disturbed, for the baseline and the exports alike.
pub async fn measure<F, Fut>(scenario: &'static str, run: F) -> Row
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

pub fn print_table(rows: &[Row], records: u64) {
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
    let cpu_read = rows
        .iter()
        .filter(|r| r.scenario.starts_with("baseline"))
        .map(|r| r.cpu)
        .sum::<f64>()
        / baselines.len().max(1) as f64;
    let verdict = |met: bool| if met { "PASS" } else { "MISS" };
    println!();
    for (name, scenario) in [
        ("MCAP", "export: MCAP (zstd)"),
        ("CSV", "export: CSV (one file)"),
    ] {
        let Some(row) = rows.iter().find(|r| r.scenario == scenario) else {
            continue;
        };
        let s = row.took.as_secs_f64();
        println!(
            "{} goal: {name} export <= 1.5x the plain read: {s:.2} s = {:.2}x ({read:.2} s, mean of both reads; CPU {:.2} s = {:.2}x)",
            verdict(s / read <= 1.5),
            s / read,
            row.cpu,
            row.cpu / cpu_read.max(f64::MIN_POSITIVE)
        );
        println!("{} goal: {name} export < 10 s: {s:.2} s", verdict(s < 10.0));
    }
}

pub fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6)
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
