//! The enable lease: an agent that holds one moves only while it keeps hearing the
//! orchestrator's heartbeat (`fleet/heartbeat`). When the heartbeat has been silent for the
//! lease, every motion stops at once (drive, line following, and so the missions built on it),
//! and nothing moves again until a new motion command arrives after the heartbeat is back.
//!
//! Why: a frozen orchestrator or a Wi-Fi drop without a TCP reset keeps the MQTT link "up" for
//! seconds; measured before this lease, a line-following robot drove on for 6.0 s and no
//! stop-all could reach it (DESIGN.md, "Measured here in turn 2").

use std::time::Duration;

use fleet_protocol::{EventKind, Heartbeat, decode};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::controller::Controller;

/// The lease's state, on tokio's clock (so a test can pause it).
#[derive(Debug, Clone)]
pub(crate) struct Lease {
    /// `None`: no lease, motion is always enabled (an agent used without an orchestrator).
    length: Option<Duration>,
    /// Enabled until this instant; `None`: not enabled (never heard, lapsed, or link down).
    until: Option<Instant>,
    last_beat: Option<Instant>,
    /// The last beat before a lapse, kept until the heartbeat returns and the lapse is reported.
    lapsed_after: Option<Instant>,
}

impl Lease {
    pub fn new(length: Option<Duration>) -> Self {
        Self {
            length,
            until: None,
            last_beat: None,
            lapsed_after: None,
        }
    }

    pub fn is_held(&self) -> bool {
        self.length.is_some()
    }

    /// Whether motion is allowed at `now`.
    pub fn enabled(&self, now: Instant) -> bool {
        self.length.is_none() || self.until.is_some_and(|until| now < until)
    }

    /// When the lease runs out unless a beat comes first.
    pub fn deadline(&self) -> Option<Instant> {
        self.until
    }

    pub fn length_ms(&self) -> u64 {
        self.length.map_or(0, |l| l.as_millis() as u64)
    }

    /// A beat arrived at `now`: renews the lease. Returns how long the heartbeat was silent
    /// when this beat ends a lapse (to be reported once).
    pub fn heard(&mut self, now: Instant) -> Option<Duration> {
        let length = self.length?;
        self.until = Some(now + length);
        self.last_beat = Some(now);
        self.lapsed_after.take().map(|last| now - last)
    }

    /// The deadline passed without a beat.
    pub fn expire(&mut self) {
        self.until = None;
        // With no beat ever heard there is no silence to report: the robot was never enabled.
        self.lapsed_after = self.last_beat;
    }

    /// The broker link dropped: the enable is gone with it (the link-loss stop reports that).
    pub fn link_lost(&mut self) {
        self.until = None;
    }
}

impl Controller {
    /// A payload on the heartbeat topic: a readable beat renews the lease; anything else is
    /// counted and ignored (it must not enable a robot).
    pub(super) fn on_heartbeat(&mut self, payload: &[u8]) {
        if let Err(e) = decode::<Heartbeat>(payload) {
            self.counters.payload_dropped();
            debug!(error = %e, "ignored an unreadable heartbeat");
            return;
        }
        self.renew_lease();
    }

    /// A readable fleet-wide command counts as a beat: only the orchestrator may publish on
    /// `fleet/cmd`, so it is as alive as a heartbeat says. This lets the orchestrator leave
    /// out the beats that would follow a broadcast (an estop to a thousand robots need not
    /// share the broker with a thousand heartbeats), and a stream of fleet commands never
    /// lets the lease lapse.
    pub(super) fn on_fleet_command_heard(&mut self) {
        self.renew_lease();
    }

    fn renew_lease(&mut self) {
        if let Some(silence) = self.lease.heard(Instant::now()) {
            let silent_ms = silence.as_millis() as u64;
            info!(
                silent_ms,
                "orchestrator heartbeat is back; motion needs a new command"
            );
            self.out.event(EventKind::LeaseExpired {
                lease_ms: self.lease.length_ms(),
                silent_ms,
            });
        }
    }

    /// No beat within the lease: stop everything now.
    pub(super) fn lease_expired(&mut self) {
        self.lease.expire();
        let moving = self.is_active();
        self.safety_stop("lease expired");
        if moving {
            warn!(
                lease_ms = self.lease.length_ms(),
                "no orchestrator heartbeat within the lease: every motion stopped"
            );
        } else {
            info!(
                lease_ms = self.lease.length_ms(),
                "no orchestrator heartbeat within the lease: motion disabled"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_lease_is_enabled_only_between_a_beat_and_its_deadline() {
        let mut lease = Lease::new(Some(Duration::from_millis(500)));
        let t0 = Instant::now();
        assert!(!lease.enabled(t0), "never heard: not enabled");
        assert_eq!(lease.heard(t0), None);
        assert!(lease.enabled(t0 + Duration::from_millis(499)));
        assert!(!lease.enabled(t0 + Duration::from_millis(500)));
        lease.expire();
        let back = t0 + Duration::from_millis(1700);
        assert_eq!(lease.heard(back), Some(Duration::from_millis(1700)));
        assert_eq!(lease.heard(back), None, "a lapse is reported once");
    }

    #[test]
    fn without_a_lease_motion_is_always_enabled() {
        let lease = Lease::new(None);
        assert!(lease.enabled(Instant::now()) && !lease.is_held());
        assert_eq!(lease.deadline(), None);
    }
}
