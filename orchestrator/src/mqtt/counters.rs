//! The link's counters (received, dropped per reason, published), readable at any time, and
//! the rate limit that keeps a flood of bad messages from flooding the log too.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::warn;

use super::inbound::{DropReason, Dropped};

/// At most one "dropped" log line per this period; the others are counted in the next line.
pub const DROP_LOG_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct LinkCounters {
    received: AtomicU64,
    accepted: AtomicU64,
    dropped: [AtomicU64; DropReason::ALL.len()],
    published: AtomicU64,
    publish_failed: AtomicU64,
    connects: AtomicU64,
    /// When a fleet-wide command last went out: agents count one as a heartbeat, so the
    /// heartbeat leaves out the beat that would follow it.
    last_broadcast: Mutex<Option<Instant>>,
}

/// A snapshot of [`LinkCounters`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LinkStats {
    /// Publishes received from the broker, valid or not.
    pub received: u64,
    /// Valid messages routed to the fleet.
    pub accepted: u64,
    /// Dropped messages per reason (every reason listed, zeros included).
    pub dropped: BTreeMap<DropReason, u64>,
    /// Commands queued for publishing.
    pub published: u64,
    /// Commands refused by the client (request queue full, link shut down).
    pub publish_failed: u64,
    /// Successful connections (the first one and every reconnect).
    pub connects: u64,
}

impl LinkStats {
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

impl LinkCounters {
    pub(super) fn broadcast_sent(&self) {
        *self
            .last_broadcast
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(tokio::time::Instant::now().into_std());
    }

    /// Whether a fleet-wide command went out within `period` (on tokio's clock, so a paused
    /// test clock applies).
    pub(super) fn broadcast_within(&self, period: Duration) -> bool {
        let last = *self
            .last_broadcast
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.is_some_and(|at| tokio::time::Instant::now().into_std() < at + period)
    }

    pub fn snapshot(&self) -> LinkStats {
        LinkStats {
            received: self.received.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            dropped: DropReason::ALL
                .into_iter()
                .map(|r| (r, self.dropped[r.index()].load(Relaxed)))
                .collect(),
            published: self.published.load(Relaxed),
            publish_failed: self.publish_failed.load(Relaxed),
            connects: self.connects.load(Relaxed),
        }
    }

    pub(crate) fn received(&self) {
        self.received.fetch_add(1, Relaxed);
    }
    pub(crate) fn accepted(&self) {
        self.accepted.fetch_add(1, Relaxed);
    }
    pub(crate) fn dropped(&self, reason: DropReason) {
        self.dropped[reason.index()].fetch_add(1, Relaxed);
    }
    pub(crate) fn published(&self) {
        self.published.fetch_add(1, Relaxed);
    }
    pub(crate) fn publish_failed(&self) {
        self.publish_failed.fetch_add(1, Relaxed);
    }
    pub(crate) fn connected(&self) {
        self.connects.fetch_add(1, Relaxed);
    }
}

/// Logs dropped messages at most once per [`DROP_LOG_EVERY`], saying how many it skipped.
#[derive(Debug, Default)]
pub(crate) struct DropLog {
    last: Option<Instant>,
    suppressed: u64,
}

impl DropLog {
    pub(crate) fn log(&mut self, topic: &str, dropped: &Dropped) {
        let due = self.last.is_none_or(|t| t.elapsed() >= DROP_LOG_EVERY);
        if !due {
            self.suppressed += 1;
            return;
        }
        // The topic is cut short: it comes from whoever can publish to the broker.
        let topic: String = topic.chars().take(128).collect();
        warn!(
            topic,
            reason = dropped.reason.as_str(),
            detail = %dropped.detail,
            suppressed_since_last = self.suppressed,
            "dropped a message from the broker"
        );
        self.last = Some(Instant::now());
        self.suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_broadcast_stands_for_a_beat_for_one_period_only() {
        let counters = LinkCounters::default();
        let period = Duration::from_millis(100);
        assert!(!counters.broadcast_within(period), "nothing sent yet");
        counters.broadcast_sent();
        tokio::time::sleep(Duration::from_millis(99)).await;
        assert!(counters.broadcast_within(period));
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(
            !counters.broadcast_within(period),
            "one period later a beat is due"
        );
    }
}
