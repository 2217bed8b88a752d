//! The player's scan runs off the async runtime: a scanner that blocks (as the real camera does
//! for up to its timeout) holds neither the runtime nor the player's loop, and its answer still
//! decides between the capture zone and nothing.

use std::sync::mpsc;
use std::time::Duration;

use fleet_protocol::{BrokerAddress, LineReading};
use tokio::time::Instant;

use super::{GamePlayer, GamePlayerHandle};
use crate::hal::{HalError, Scanner};
use crate::runtime::fake::{FakeProbe, fake_hardware};

/// A scanner that blocks its thread until the test lets it answer "no code".
struct GatedScanner {
    started: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
    /// Whether the release came (false: it waited out its 10 s safety bound).
    answered: mpsc::Sender<bool>,
}

impl Scanner for GatedScanner {
    fn scan(&mut self) -> Result<Option<String>, HalError> {
        let _ = self.started.send(());
        let released = self.release.recv_timeout(Duration::from_secs(10)).is_ok();
        let _ = self.answered.send(released);
        Ok(None)
    }
}

struct Gate {
    started: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
    answered: mpsc::Receiver<bool>,
}

/// A player on the fake robot with the gated scanner. Its game link points at a closed port:
/// what is tested here is the robot's side, before anything reaches a broker.
fn player() -> (GamePlayerHandle, FakeProbe, Gate) {
    let (mut hw, probe) = fake_hardware();
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let (answered_tx, answered) = mpsc::channel();
    hw.scanner = Some(Box::new(GatedScanner {
        started: started_tx,
        release: release_rx,
        answered: answered_tx,
    }));
    let player = GamePlayer::attach("0xdca632bf91cc", &mut hw).expect("a course-style id");
    let handle = player.spawn(&BrokerAddress::new("127.0.0.1", 1));
    let gate = Gate {
        started,
        release,
        answered,
    };
    (handle, probe, gate)
}

const ON_LINE: LineReading = LineReading {
    left: false,
    middle: true,
    right: false,
};
const WHITE: LineReading = LineReading {
    left: false,
    middle: false,
    right: false,
};

/// Polls `check` on this (async) test's thread, yielding to the runtime in between.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} within 5 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// A current-thread runtime: a scan run on the runtime's thread would block this test's body
// too, so the scanner would wait out its bound unreleased.
#[tokio::test]
async fn a_blocking_scan_leaves_the_runtime_running_and_no_code_then_means_the_capture_zone() {
    let (handle, probe, gate) = player();
    probe.set_line(ON_LINE);
    probe.set_line(WHITE);
    eventually("the scan started", || gate.started.try_recv().ok()).await;
    assert!(!handle.state().in_zone, "no answer yet, no ENTER_FLAG_AREA");

    gate.release.send(()).unwrap();
    let released = eventually("the scan answered", || gate.answered.try_recv().ok()).await;
    assert!(
        released,
        "the scan blocked the runtime until its safety bound"
    );
    eventually("in the capture zone", || {
        handle.state().in_zone.then_some(())
    })
    .await;
    handle.shutdown().await;
}

#[tokio::test]
async fn a_zone_left_before_its_scan_answers_is_not_entered_and_the_scanner_comes_back() {
    let (handle, probe, gate) = player();
    probe.set_line(ON_LINE);
    probe.set_line(WHITE);
    eventually("the scan started", || gate.started.try_recv().ok()).await;
    probe.set_line(ON_LINE);
    // Let the player see the line again before the answer.
    eventually("the line edge handled", || {
        (probe.edges_pending() == 0).then_some(())
    })
    .await;
    gate.release.send(()).unwrap();
    assert!(eventually("the scan answered", || gate.answered.try_recv().ok()).await);
    // The player has taken the answer (a zone entered before that would get this answer).
    eventually("the answer taken", || {
        (handle.state().scans_answered == 1).then_some(())
    })
    .await;

    // The next zone is scanned again, so the first answer was taken (and the scanner back).
    probe.set_line(WHITE);
    eventually("a second scan", || gate.started.try_recv().ok()).await;
    assert!(
        !handle.state().in_zone,
        "the first zone was left before its answer"
    );
    gate.release.send(()).unwrap();
    eventually("in the second zone", || {
        handle.state().in_zone.then_some(())
    })
    .await;
    handle.shutdown().await;
}
