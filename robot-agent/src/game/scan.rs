//! The scan on entering a white zone, off the async runtime: the real camera's capture blocks
//! for up to its timeout (seconds), so it runs on tokio's blocking pool and its answer comes
//! back to the player's loop as one more event, while line edges, hits and the hold go on.

use tokio::task::JoinHandle;

use crate::hal::{HalError, Scanner};

type Outcome = (Box<dyn Scanner>, Result<Option<String>, HalError>);

/// A scan under way; the scanner comes back with its answer.
pub(super) struct Scan {
    task: JoinHandle<Outcome>,
    /// The line came back before the answer did: the robot is out of the zone it scanned.
    pub left: bool,
}

/// What a finished scan gives back: the scanner (unless it panicked) and the code in view.
pub(super) struct Scanned {
    pub scanner: Option<Box<dyn Scanner>>,
    pub code: Result<Option<String>, String>,
}

impl Scan {
    pub fn start(mut scanner: Box<dyn Scanner>) -> Scan {
        let task = tokio::task::spawn_blocking(move || {
            let code = scanner.scan();
            (scanner, code)
        });
        Scan { task, left: false }
    }

    /// Waits for the answer. Cancel-safe: the player's `select!` may drop this and call again.
    pub async fn finished(&mut self) -> Scanned {
        match (&mut self.task).await {
            Ok((scanner, code)) => Scanned {
                scanner: Some(scanner),
                code: code.map_err(|e| e.to_string()),
            },
            Err(e) => Scanned {
                scanner: None,
                code: Err(format!("the scanner stopped: {e}")),
            },
        }
    }
}
