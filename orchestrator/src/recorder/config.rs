//! Recorder tuning: channel size, flush cadence, and how long to hold rows when the store fails.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// Records (and commands) queued between the actors and the writer. When full, new records
    /// are dropped and counted rather than slowing the actors down.
    pub channel_capacity: usize,
    /// Longest time a received record waits before it is written.
    pub flush_interval: Duration,
    /// Rows that trigger a flush before `flush_interval` runs out.
    pub batch_rows: usize,
    /// Rows held while the store keeps failing; past this, new records are discarded and
    /// counted as lost, so an outage cannot eat the machine's memory.
    pub max_pending_rows: usize,
    /// First retry delay after a failed write; doubles on each failure up to `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// Write attempts made at shutdown before the rows still held are given up.
    pub shutdown_attempts: u32,
    /// Name of the session that holds records while no named session runs (see the module doc).
    pub idle_session_name: String,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            // 40 robots at 20 Hz is 800 records/s: this is ~20 s of the whole class, or a few
            // seconds of a 1000-robot simulation, at ~0.5 KB a record.
            channel_capacity: 16_384,
            flush_interval: Duration::from_millis(200),
            batch_rows: 2_000,
            max_pending_rows: 100_000,
            retry_min: Duration::from_millis(50),
            retry_max: Duration::from_secs(5),
            shutdown_attempts: 5,
            idle_session_name: "serve".to_owned(),
        }
    }
}
