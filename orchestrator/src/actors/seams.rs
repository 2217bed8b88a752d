//! The traits through which actors and the MQTT link reach the outside world: publishing
//! commands, recording, persisting robot state and missions. Production wires in the MQTT
//! publisher, the recorder and the store; tests wire in fakes. This is the one persistence
//! style of the actors: robot actors and mission actors alike reach the store only through
//! these traits, with domain types.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use fleet_protocol::{Command, RobotId};
use tokio::sync::broadcast;

use super::messages::FleetChange;
use crate::domain::{GroupName, MissionId, MissionSpec, MissionState, Record, RobotView};
use crate::store::{NewMission, RobotStateSaver, Store, StoreError};

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

impl StateStore for RobotStateSaver {
    fn save_robot(&self, view: &RobotView) {
        self.save(view);
    }
}

/// A future a seam returns, boxed so the trait can be used as `dyn`.
pub type SeamFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Records missions and their state changes (the store implements it). Mission actors await
/// these writes, because a change is shown to live views only once it is recorded.
pub trait MissionLog: Send + Sync + 'static {
    /// Creates the mission's row in state `assigned`, returning its id.
    fn insert(
        &self,
        robot: &RobotId,
        spec: &MissionSpec,
        group: Option<&GroupName>,
        at_ms: i64,
    ) -> SeamFuture<Result<MissionId, StoreError>>;

    /// Moves the mission `from -> to`; `Ok(false)` if its row was not in state `from`.
    fn transition(
        &self,
        id: MissionId,
        from: MissionState,
        to: MissionState,
        reason: Option<String>,
        at_ms: i64,
    ) -> SeamFuture<Result<bool, StoreError>>;
}

impl MissionLog for Store {
    fn insert(
        &self,
        robot: &RobotId,
        spec: &MissionSpec,
        group: Option<&GroupName>,
        at_ms: i64,
    ) -> SeamFuture<Result<MissionId, StoreError>> {
        let store = self.clone();
        let robot = robot.clone();
        let kind = spec.kind();
        // A spec is plain data (numbers, enums, strings): serializing it cannot fail.
        let spec_json = serde_json::to_string(spec).unwrap_or_else(|_| "{}".into());
        let group = group.map(|g| g.as_str().to_owned());
        Box::pin(async move {
            store
                .insert_mission(NewMission {
                    robot: &robot,
                    kind,
                    spec_json: &spec_json,
                    group: group.as_deref(),
                    at_ms,
                })
                .await
        })
    }

    fn transition(
        &self,
        id: MissionId,
        from: MissionState,
        to: MissionState,
        reason: Option<String>,
        at_ms: i64,
    ) -> SeamFuture<Result<bool, StoreError>> {
        let store = self.clone();
        Box::pin(async move {
            store
                .transition_mission(id, from, to, reason.as_deref(), at_ms)
                .await
        })
    }
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
