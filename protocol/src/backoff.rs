//! Reconnect delays: exponential from a floor to a ceiling, so a client whose broker is gone
//! neither hammers it nor waits long once it is back (rumqttc retries at once unless its user
//! waits).
//!
//! Pure computation shared by both ends of the link (the agent's reconnects, the orchestrator's
//! MQTT link and recorder retries), so neither borrows it from the other.

use std::time::Duration;

/// Exponential backoff: `first`, then doubling up to `max`; `reset` after a good connection.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            next: first,
        }
    }

    /// The delay to wait before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

impl Default for Backoff {
    /// 100 ms doubling to 5 s: a broker restart costs ~100 ms, a long outage one try per 5 s.
    fn default() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_ceiling_caps_the_delays_even_below_the_next_doubling() {
        let mut b = Backoff::new(Duration::from_millis(300), Duration::from_millis(500));
        let got: Vec<u64> = (0..4).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(got, [300, 500, 500, 500]);
    }

    #[test]
    fn delays_double_up_to_the_ceiling_and_reset_to_the_floor() {
        let mut b = Backoff::default();
        let got: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(got, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }
}
