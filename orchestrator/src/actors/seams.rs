//! The traits through which actors and the MQTT link reach the outside world: publishing
//! commands, recording, persisting robot state. Production wires in the MQTT publisher, the
//! recorder and the store; tests wire in fakes.

use std::sync::{Arc, Mutex};

use fleet_protocol::{Command, RobotId};
use tokio::sync::broadcast;

use super::messages::{FleetChange, RobotView};
use crate::recorder::Record;

/// Takes a record for the session recording. Must never block (it is called from actors and
/// from the task polling the MQTT event loop): queue or drop, never wait.
pub trait RecordSink: Send + Sync + 'static {
    fn record(&self, record: Record);
}

/// Sends commands to robots. Must never block: an error means the command was not queued.
pub trait CommandSink: Send + Sync + 'static {
    /// Publishes on `robots/{id}/cmd`.
    fn send(&self, robot: &RobotId, command: &Command) -> Result<(), SendError>;
    /// Publishes once on `fleet/cmd`, for every robot.
    fn broadcast(&self, command: &Command) -> Result<(), SendError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("command not sent: {0}")]
pub struct SendError(pub String);

/// Keeps the last known state of each robot across restarts of the orchestrator (the store
/// implements it). Called on every derived state change, not on every telemetry sample.
/// Must never block.
pub trait StateStore: Send + Sync + 'static {
    fn save_robot(&self, view: &RobotView);
}

impl RecordSink for crate::recorder::RecorderHandle {
    fn record(&self, record: Record) {
        // The handle counts what it refuses (queue full, recorder stopped); nothing to add here.
        let _ = crate::recorder::RecorderHandle::record(self, record);
    }
}

/// Drops everything: for runs without recording, and for tests that do not look.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl RecordSink for Discard {
    fn record(&self, _record: Record) {}
}

impl StateStore for Discard {
    fn save_robot(&self, _view: &RobotView) {}
}

/// Keeps what it is given, for tests to inspect.
#[derive(Debug)]
pub struct Captured<T> {
    items: Mutex<Vec<T>>,
}

impl<T> Default for Captured<T> {
    fn default() -> Self {
        Self {
            items: Mutex::new(Vec::new()),
        }
    }
}

impl<T: Clone> Captured<T> {
    pub fn push(&self, item: T) {
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(item);
    }

    pub fn items(&self) -> Vec<T> {
        self.items.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl RecordSink for Captured<Record> {
    fn record(&self, record: Record) {
        self.push(record);
    }
}

impl StateStore for Captured<RobotView> {
    fn save_robot(&self, view: &RobotView) {
        self.push(view.clone());
    }
}

/// Everything a fleet and its robot actors are wired to; cheap to clone.
#[derive(Clone)]
pub struct FleetWiring {
    pub commands: Arc<dyn CommandSink>,
    pub records: Arc<dyn RecordSink>,
    pub store: Arc<dyn StateStore>,
    pub changes: broadcast::Sender<FleetChange>,
}

/// Fleet changes kept for slow live-view receivers: 40 robots at 20 Hz fill it in ~5 s.
pub const CHANGES_CAPACITY: usize = 4096;

impl FleetWiring {
    pub fn new(
        commands: Arc<dyn CommandSink>,
        records: Arc<dyn RecordSink>,
        store: Arc<dyn StateStore>,
    ) -> Self {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        Self {
            commands,
            records,
            store,
            changes,
        }
    }
}

/// A robot's saved state (store) as the view its actor restarts from, for
/// [`super::FleetActor::with_known_robots`]. An unreadable state or status is left out rather
/// than trusted: the robot's next message sets it again.
impl From<&crate::store::RobotRow> for RobotView {
    fn from(row: &crate::store::RobotRow) -> Self {
        let mut view = RobotView::unknown(row.id.clone());
        view.state = super::messages::Liveness::parse(&row.last_state)
            .unwrap_or(super::messages::Liveness::Offline);
        view.status = row
            .last_status
            .as_deref()
            .and_then(|json| fleet_protocol::decode(json.as_bytes()).ok());
        view.last_seen_ms = Some(row.last_seen_ms);
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::Liveness;
    use crate::store::RobotRow;
    use fleet_protocol::{Backend, Status, encode};

    #[test]
    fn a_saved_robot_row_becomes_the_view_its_actor_starts_from() {
        let id = RobotId::parse("t1").unwrap();
        let status = Status::online(id.clone(), "0.1.0", Backend::Sim, vec![], 3);
        let row = RobotRow {
            id: id.clone(),
            first_seen_ms: 1,
            last_seen_ms: 9,
            last_status: Some(String::from_utf8(encode(&status)).unwrap()),
            last_state: "stale".into(),
        };
        let view = RobotView::from(&row);
        assert_eq!(view.state, Liveness::Stale);
        assert_eq!(view.status, Some(status));
        assert_eq!(view.last_seen_ms, Some(9));

        let garbled = RobotRow {
            last_status: Some("{".into()),
            last_state: "exploded".into(),
            ..row
        };
        let view = RobotView::from(&garbled);
        assert_eq!((view.state, view.status), (Liveness::Offline, None));
    }
}
