//! Flood control for robots: each robot credential may publish at most [`FLOOD_LIMIT`]
//! messages a second (50 times the default telemetry rate, with a one-second burst), measured
//! by a token bucket per username. Above it the broker drops the excess, and the robot is
//! reported once per episode so the teacher sees why its data has gaps.
//!
//! Pure (the clock is passed in), so the hooks call it and tests drive it with made-up times.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Messages a second a robot may publish: 50 x the default 10 Hz telemetry.
pub const FLOOD_LIMIT: f64 = 500.0;
/// After this long without a dropped message, a robot's episode is over.
const QUIET_AFTER: Duration = Duration::from_secs(5);

/// What the guard says about one publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloodVerdict {
    Pass,
    /// Dropped; `first` is true for the first drop of an episode (report it).
    Drop {
        first: bool,
    },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    last_drop: Option<Instant>,
    dropped: u64,
}

/// One token bucket per username.
#[derive(Debug)]
pub struct FloodGuard {
    rate: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Default for FloodGuard {
    fn default() -> Self {
        Self::new(FLOOD_LIMIT)
    }
}

impl FloodGuard {
    pub fn new(rate: f64) -> Self {
        Self {
            rate,
            buckets: Mutex::default(),
        }
    }

    /// Counts one publish of `username` at `now`.
    pub fn check(&self, username: &str, now: Instant) -> FloodVerdict {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        // Looked up before inserting: no String is made for every publish of a known robot.
        if !buckets.contains_key(username) {
            let fresh = Bucket {
                tokens: self.rate,
                last: now,
                last_drop: None,
                dropped: 0,
            };
            buckets.insert(username.to_owned(), fresh);
        }
        let Some(bucket) = buckets.get_mut(username) else {
            return FloodVerdict::Pass;
        };
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return FloodVerdict::Pass;
        }
        let first = bucket
            .last_drop
            .is_none_or(|t| now.saturating_duration_since(t) >= QUIET_AFTER);
        bucket.last_drop = Some(now);
        bucket.dropped += 1;
        FloodVerdict::Drop { first }
    }

    /// How many publishes of `username` were dropped so far.
    pub fn dropped(&self, username: &str) -> u64 {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets.get(username).map_or(0, |b| b.dropped)
    }

    /// Every username with dropped publishes: (username, dropped so far, dropping now: a drop
    /// within the last few seconds), by name.
    pub fn throttled(&self, now: Instant) -> Vec<(String, u64, bool)> {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut list: Vec<(String, u64, bool)> = buckets
            .iter()
            .filter(|(_, b)| b.dropped > 0)
            .map(|(name, b)| {
                let recent = b
                    .last_drop
                    .is_some_and(|t| now.saturating_duration_since(t) < QUIET_AFTER);
                (name.clone(), b.dropped, recent)
            })
            .collect();
        list.sort();
        list
    }

    /// Forgets `username` (a revoked credential).
    pub fn forget(&self, username: &str) {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robot_at_its_telemetry_rate_passes_and_one_at_fifty_times_more_is_cut_to_the_limit() {
        let guard = FloodGuard::new(500.0);
        let start = Instant::now();
        // 10 Hz for a minute: never dropped.
        for i in 0..600 {
            let at = start + Duration::from_millis(100 * i);
            assert_eq!(guard.check("calm", at), FloodVerdict::Pass);
        }
        // 5,000 a second (10 x the limit) for two seconds: about 500/s get through after
        // the one-second burst.
        let mut passed = 0usize;
        let mut firsts = 0;
        for i in 0..10_000u64 {
            let at = start + Duration::from_micros(200 * i);
            match guard.check("flood", at) {
                FloodVerdict::Pass => passed += 1,
                FloodVerdict::Drop { first } => firsts += usize::from(first),
            }
        }
        assert!((1400..=1600).contains(&passed), "{passed} passed");
        assert_eq!(firsts, 1, "one report per episode");
        assert_eq!(guard.dropped("flood"), 10_000 - passed as u64);
        assert_eq!(guard.dropped("calm"), 0);
        let end = start + Duration::from_secs(2);
        assert_eq!(
            guard.throttled(end),
            vec![("flood".to_owned(), 10_000 - passed as u64, true)]
        );
        assert!(guard.throttled(end + QUIET_AFTER).iter().all(|t| !t.2));
    }

    #[test]
    fn a_new_episode_after_a_quiet_spell_is_reported_again() {
        let guard = FloodGuard::new(1.0);
        let t0 = Instant::now();
        assert_eq!(guard.check("r", t0), FloodVerdict::Pass);
        assert_eq!(guard.check("r", t0), FloodVerdict::Drop { first: true });
        assert_eq!(guard.check("r", t0), FloodVerdict::Drop { first: false });
        let later = t0 + QUIET_AFTER + Duration::from_secs(1);
        assert_eq!(guard.check("r", later), FloodVerdict::Pass);
        assert_eq!(guard.check("r", later), FloodVerdict::Drop { first: true });
    }
}
