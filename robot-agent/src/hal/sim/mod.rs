//! The simulator backend: a RaspTank on a floor map, driven by a physics task.
//!
//! [`spawn`] builds the [`Hardware`] bundle the runtime drives and a [`SimHandle`] for tests
//! (true pose, distance travelled, shutdown). A tokio task steps the [`World`] in fixed steps of
//! [`STEP`] simulated seconds, as many as the real time elapsed times `time_scale`, and turns
//! every sensor change into a [`LineEdge`] on a broadcast channel, like edge interrupts.
//! See [`world`] for the sensor convention (black line, white zones); the floor itself is a
//! [`Course`] of the `fleet-course` crate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fleet_course::Course;
use fleet_protocol::{Backend, Capability, LineReading, MotorOutput, Pose};
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::{Hardware, HardwareInfo, LineEdge, Rgb};

mod parts;
pub mod world;

#[cfg(test)]
mod spawn_tests;
#[cfg(test)]
mod world_tests;

pub use parts::{JointLimits, ServoLimits};
pub use world::{PhysicsParams, World};

use parts::{SharedWorld, SimLeds, SimLineSensors, SimMotors, SimPose, SimServos, lock};

/// Simulated seconds per physics step (100 Hz at `time_scale` 1).
pub const STEP: f64 = 0.01;

/// At most this much simulated time is caught up after a stall, so a paused process does not
/// come back to a burst of thousands of steps.
const MAX_CATCH_UP: f64 = 0.25;

/// Slower than this is surely a configuration mistake (and would overflow the tick period).
const MIN_TIME_SCALE: f64 = 0.001;

/// How many edges a slow subscriber may fall behind before it misses some.
const EDGE_BUFFER: usize = 64;

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub map: Course,
    /// Where the robot starts; `None` uses the map's start pose.
    pub start: Option<Pose>,
    /// Simulated seconds per real second: 1.0 is real time, tests may run faster. Values below
    /// 0.001 or not finite are treated as 1.0 (with a warning).
    pub time_scale: f64,
    pub physics: PhysicsParams,
    pub servo_limits: ServoLimits,
}

impl SimConfig {
    /// Real time, default physics, the map's start pose.
    pub fn new(map: Course) -> Self {
        Self {
            map,
            start: None,
            time_scale: 1.0,
            physics: PhysicsParams::default(),
            servo_limits: ServoLimits::default(),
        }
    }
}

impl Default for SimConfig {
    /// The shipped oval course.
    fn default() -> Self {
        Self::new(Course::oval())
    }
}

/// Test access to a simulated robot; stops the physics task when dropped.
#[derive(Debug)]
pub struct SimHandle {
    world: SharedWorld,
    leds: Arc<Mutex<Rgb>>,
    edges: broadcast::Sender<LineEdge>,
    // Dropping the sender is the stop signal.
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The robot's true pose.
    pub fn pose(&self) -> Pose {
        lock(&self.world).pose()
    }

    /// Picks the robot up and puts it down at `pose`, at rest. Sensor changes are broadcast as
    /// edges, as the real sensors would report them.
    pub fn set_pose(&self, pose: Pose) {
        let (before, after) = {
            let mut world = lock(&self.world);
            let before = world.line_reading();
            world.set_pose(pose);
            (before, world.line_reading())
        };
        send_edges(&self.edges, before, after, std::time::Instant::now());
    }

    /// Path length covered by the robot's centre since it was spawned, metres.
    pub fn distance_travelled(&self) -> f64 {
        lock(&self.world).distance_travelled()
    }

    /// Simulated time since spawn.
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(lock(&self.world).elapsed())
    }

    pub fn line_reading(&self) -> LineReading {
        lock(&self.world).line_reading()
    }

    /// The motor outputs the physics is applying.
    pub fn motors(&self) -> MotorOutput {
        lock(&self.world).motors()
    }

    /// The colour the LEDs were last set to.
    pub fn leds(&self) -> Rgb {
        *self
            .leds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn map(&self) -> Arc<Course> {
        Arc::clone(lock(&self.world).map())
    }

    /// Stops the physics task and waits for it to end. The world freezes where it is.
    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            // The task only ends by the stop signal; a cancelled or panicked task is over too.
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        // Dropping `stop` ends the task at its next tick; nothing to wait for here.
        self.stop.take();
    }
}

/// Starts a simulated robot. Must be called within a tokio runtime (it spawns the physics task).
pub fn spawn(config: SimConfig) -> (Hardware, SimHandle) {
    let SimConfig {
        map,
        start,
        time_scale,
        physics,
        servo_limits,
    } = config;
    let time_scale = if time_scale.is_finite() && time_scale >= MIN_TIME_SCALE {
        time_scale
    } else {
        tracing::warn!(
            time_scale,
            "simulator time scale must be at least 0.001; using 1.0"
        );
        1.0
    };
    let start = start.unwrap_or_else(|| map.start());
    let world: SharedWorld = Arc::new(Mutex::new(World::new(Arc::new(map), start, physics)));
    let (edges, _) = broadcast::channel(EDGE_BUFFER);
    let leds = Arc::new(Mutex::new(Rgb::default()));
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(run_physics(
        Arc::clone(&world),
        edges.clone(),
        time_scale,
        stop_rx,
    ));
    let hardware = Hardware {
        info: HardwareInfo {
            backend: Backend::Sim,
            capabilities: vec![
                Capability::Drive,
                Capability::Servos,
                Capability::Leds,
                Capability::LineSensors,
                Capability::LineFollow,
                Capability::Pose,
            ],
        },
        motors: Box::new(SimMotors {
            world: Arc::clone(&world),
        }),
        servos: Box::new(SimServos::new(servo_limits)),
        leds: Box::new(SimLeds {
            colour: Arc::clone(&leds),
        }),
        line: Box::new(SimLineSensors {
            world: Arc::clone(&world),
            edges: edges.clone(),
        }),
        pose: Some(Box::new(SimPose {
            world: Arc::clone(&world),
        })),
    };
    let handle = SimHandle {
        world,
        leds,
        edges,
        stop: Some(stop_tx),
        task: Some(task),
    };
    (hardware, handle)
}

async fn run_physics(
    world: SharedWorld,
    edges: broadcast::Sender<LineEdge>,
    time_scale: f64,
    mut stop: oneshot::Receiver<()>,
) {
    // Tick at the step rate, but no faster than tokio's 1 ms timer resolution; faster time
    // scales then take several steps per tick.
    let tick = Duration::from_secs_f64(STEP / time_scale).max(Duration::from_millis(1));
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut owed = 0.0_f64;
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = &mut stop => break,
        }
        let now = Instant::now();
        owed = (owed + (now - last).as_secs_f64() * time_scale).min(MAX_CATCH_UP);
        last = now;
        let mut changes = Vec::new();
        {
            let mut world = lock(&world);
            while owed >= STEP {
                owed -= STEP;
                let before = world.line_reading();
                let after = world.step(STEP);
                // The real instant this step's end corresponds to.
                let at = now - Duration::from_secs_f64(owed / time_scale);
                changes.push((before, after, at.into_std()));
            }
        }
        for (before, after, at) in changes {
            send_edges(&edges, before, after, at);
        }
    }
    tracing::debug!("simulator physics stopped");
}

fn send_edges(
    edges: &broadcast::Sender<LineEdge>,
    before: LineReading,
    after: LineReading,
    at: std::time::Instant,
) {
    for (sensor, on_line, reading) in world::edges_between(before, after) {
        // No subscriber is fine: nobody is listening for edges right now.
        let _ = edges.send(LineEdge {
            sensor,
            on_line,
            reading,
            at,
        });
    }
}
