//! Persists robots' last known state off the actors' path: actors hand a snapshot to a channel
//! (never blocking), one task writes them in arrival order, so saves never reorder.

use tokio::sync::mpsc;
use tracing::warn;

use super::Store;
use crate::domain::{RobotView, now_ms};

pub struct RobotStateSaver {
    tx: mpsc::UnboundedSender<RobotView>,
}

impl RobotStateSaver {
    /// Starts the writing task on the current runtime; it ends when the saver is dropped.
    pub fn spawn(store: Store) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<RobotView>();
        tokio::spawn(async move {
            while let Some(view) = rx.recv().await {
                let status = view
                    .status
                    .as_ref()
                    .map(|s| String::from_utf8_lossy(&fleet_protocol::encode(s)).into_owned());
                let seen = view.last_seen_ms.unwrap_or_else(now_ms);
                if let Err(e) = store
                    .upsert_robot(&view.id, seen, status.as_deref(), view.state.as_str())
                    .await
                {
                    warn!(robot = %view.id, "could not save the robot's last state: {e}");
                }
            }
        });
        Self { tx }
    }

    /// Queues a snapshot for saving; never waits. State changes are rare (online, stale,
    /// offline), so an unbounded queue stays small.
    pub fn save(&self, view: &RobotView) {
        let _ = self.tx.send(view.clone());
    }
}
