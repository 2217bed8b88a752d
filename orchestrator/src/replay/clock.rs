//! The play clock: maps a session's time to the wall clock at a rate, through pauses, steps and
//! rate changes. Pure (every method is given `now`), so its arithmetic is tested without
//! waiting. A record is due at an absolute instant computed from one anchor, so lateness never
//! accumulates: a publish that runs late does not push back the ones after it.

use std::time::{Duration, Instant};

/// Slowest and fastest rates a replay accepts (`ros2 bag play` allows any; past 1000x every
/// record is due at once anyway).
pub const MIN_RATE: f64 = 0.01;
pub const MAX_RATE: f64 = 1_000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayClock {
    rate: f64,
    /// Session time (ms) that `anchor_wall` corresponds to.
    anchor_ms: i64,
    anchor_wall: Instant,
    paused: bool,
}

impl PlayClock {
    /// A clock at session time `at_ms` now.
    pub fn new(rate: f64, at_ms: i64, now: Instant, paused: bool) -> Self {
        Self {
            rate: clamp_rate(rate),
            anchor_ms: at_ms,
            anchor_wall: now,
            paused,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// When a record of session time `at_ms` is due; `None` while paused.
    pub fn due(&self, at_ms: i64) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let ahead_ms = at_ms.saturating_sub(self.anchor_ms).max(0) as f64;
        Some(self.anchor_wall + Duration::from_secs_f64(ahead_ms / 1_000.0 / self.rate))
    }

    /// The session time shown now.
    pub fn position(&self, now: Instant) -> i64 {
        if self.paused {
            return self.anchor_ms;
        }
        let played = now
            .saturating_duration_since(self.anchor_wall)
            .as_secs_f64();
        self.anchor_ms + (played * 1_000.0 * self.rate) as i64
    }

    pub fn pause(&mut self, now: Instant) {
        if !self.paused {
            self.anchor_ms = self.position(now);
            self.anchor_wall = now;
            self.paused = true;
        }
    }

    pub fn resume(&mut self, now: Instant) {
        if self.paused {
            self.anchor_wall = now;
            self.paused = false;
        }
    }

    pub fn toggle(&mut self, now: Instant) {
        if self.paused {
            self.resume(now)
        } else {
            self.pause(now)
        }
    }

    /// Changes the rate from now on, keeping the position.
    pub fn set_rate(&mut self, rate: f64, now: Instant) {
        self.anchor_ms = self.position(now);
        self.anchor_wall = now;
        self.rate = clamp_rate(rate);
    }

    /// Moves the position to `at_ms` (a step or a seek), paused or not.
    pub fn jump_to(&mut self, at_ms: i64, now: Instant) {
        self.anchor_ms = at_ms;
        self.anchor_wall = now;
    }
}

/// A rate within [`MIN_RATE`, `MAX_RATE`]; anything that is not a positive number is 1x.
pub fn clamp_rate(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 {
        rate.clamp(MIN_RATE, MAX_RATE)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn at_ten_times_a_record_one_second_in_is_due_after_a_tenth_of_a_second() {
        let t0 = Instant::now();
        let clock = PlayClock::new(10.0, 5_000, t0, false);
        assert_eq!(clock.due(5_000), Some(t0));
        assert_eq!(clock.due(6_000), Some(t0 + ms(100)));
        assert_eq!(
            clock.due(4_000),
            Some(t0),
            "a record behind the head is due at once"
        );
        assert_eq!(clock.position(t0 + ms(50)), 5_500);
    }

    #[test]
    fn a_pause_freezes_the_position_and_a_resume_continues_from_it() {
        let t0 = Instant::now();
        let mut clock = PlayClock::new(2.0, 0, t0, false);
        clock.pause(t0 + ms(100));
        assert_eq!(clock.position(t0 + ms(900)), 200);
        assert_eq!(clock.due(300), None);
        clock.resume(t0 + ms(1_000));
        assert_eq!(clock.due(400), Some(t0 + ms(1_100)));
        assert_eq!(clock.position(t0 + ms(1_050)), 300);
    }

    #[test]
    fn a_rate_change_keeps_the_position_and_a_jump_moves_it() {
        let t0 = Instant::now();
        let mut clock = PlayClock::new(1.0, 0, t0, false);
        clock.set_rate(4.0, t0 + ms(100));
        assert_eq!(clock.position(t0 + ms(100)), 100);
        assert_eq!(clock.due(500), Some(t0 + ms(200)));
        clock.pause(t0 + ms(200));
        clock.jump_to(9_000, t0 + ms(300));
        assert_eq!(clock.position(t0 + ms(5_000)), 9_000);
        assert!(clock.is_paused());
    }

    #[test]
    fn rates_out_of_range_are_clamped_and_nonsense_is_one() {
        assert_eq!(clamp_rate(0.0), 1.0);
        assert_eq!(clamp_rate(f64::NAN), 1.0);
        assert_eq!(clamp_rate(-3.0), 1.0);
        assert_eq!(clamp_rate(1e9), MAX_RATE);
        assert_eq!(clamp_rate(1e-9), MIN_RATE);
    }
}
