//! Counters shared by the handles and the writer, so nothing is lost without a trace.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// A snapshot of the recorder's counters. Once the queue is empty (after `flush`), every
/// record offered is accounted for: `received == written + dropped + lost + pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RecorderStats {
    /// Calls to `record`.
    pub received: u64,
    /// Refused at the channel (full, or the recorder stopped): never queued.
    pub dropped: u64,
    /// Committed to the store.
    pub written: u64,
    /// Accepted but discarded because the store kept failing (buffer full, or shutdown).
    pub lost: u64,
    /// Rows the writer holds, not yet committed.
    pub pending: u64,
    /// Committed transactions.
    pub batches: u64,
    /// Failed write attempts (each is retried).
    pub write_errors: u64,
    /// Unix ms of the last successful commit; 0 before the first.
    pub last_flush_at_ms: i64,
    /// How long the last successful commit took, in microseconds.
    pub last_flush_took_us: u64,
}

#[derive(Debug)]
pub(super) struct Counters {
    pub received: AtomicU64,
    pub dropped: AtomicU64,
    pub written: AtomicU64,
    pub lost: AtomicU64,
    pub pending: AtomicU64,
    pub batches: AtomicU64,
    pub write_errors: AtomicU64,
    pub last_flush_at_ms: AtomicI64,
    pub last_flush_took_us: AtomicU64,
    /// The session records are tagged with now, for callers that want to show it.
    pub session: AtomicI64,
    pub drop_warning: RateLimit,
    pub loss_warning: RateLimit,
}

impl Counters {
    pub fn new(session: i64) -> Self {
        Self {
            received: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            written: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            last_flush_at_ms: AtomicI64::new(0),
            last_flush_took_us: AtomicU64::new(0),
            session: AtomicI64::new(session),
            drop_warning: RateLimit::new(),
            loss_warning: RateLimit::new(),
        }
    }

    pub fn snapshot(&self) -> RecorderStats {
        RecorderStats {
            received: self.received.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            written: self.written.load(Relaxed),
            lost: self.lost.load(Relaxed),
            pending: self.pending.load(Relaxed),
            batches: self.batches.load(Relaxed),
            write_errors: self.write_errors.load(Relaxed),
            last_flush_at_ms: self.last_flush_at_ms.load(Relaxed),
            last_flush_took_us: self.last_flush_took_us.load(Relaxed),
        }
    }
}

/// Lets one caller through per second: a full channel at 20,000 records/s must give a steady
/// warning, not 20,000 log lines a second.
#[derive(Debug)]
pub(super) struct RateLimit {
    origin: Instant,
    /// Milliseconds since `origin` of the last permitted event, plus one (0 = never).
    last: AtomicU64,
}

impl RateLimit {
    const PERIOD_MS: u64 = 1_000;

    fn new() -> Self {
        Self {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    pub fn permit(&self) -> bool {
        let now = self.origin.elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Relaxed);
        if last != 0 && now.saturating_sub(last) < Self::PERIOD_MS {
            return false;
        }
        self.last
            .compare_exchange(last, now, Relaxed, Relaxed)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_lets_one_warning_through_per_period() {
        let limit = RateLimit::new();
        assert!(limit.permit());
        assert!(!limit.permit());
        assert!(!limit.permit());
    }
}
