//! What the benches read off the machine they run on (Linux `/proc`; neutral values
//! elsewhere), and where they put their files. Shared by the export and grading benches.

use std::path::PathBuf;

/// A fresh temporary folder for a bench's database and output files: under `BENCH_DIR` when
/// set, else RAM-backed `/dev/shm` where the machine has it (so reads and writes measure
/// SQLite and the writers, not a shared disk), else the system's temporary folder.
pub fn bench_dir(prefix: &str) -> tempfile::TempDir {
    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&base)
        .expect("a temporary directory")
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` has them (the machine is
/// shared: read the figures by them).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// CPU time this process has used, user + system, all its threads (ended ones included),
/// from `/proc/self/stat` (0 elsewhere). Clock ticks of 10 ms.
pub fn cpu_seconds() -> f64 {
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
