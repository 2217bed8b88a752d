//! A recording fake [`Hardware`] for tests and benchmarks: every motor call is kept and
//! announced on a channel with its instant, and line readings are set by hand.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use fleet_protocol::{Backend, Capability, Joint, LineReading, MotorOutput, ServoAngles};
use tokio::sync::{broadcast, mpsc};

use crate::hal::sim::world::edges_between;
use crate::hal::{
    HalError, Hardware, HardwareInfo, Leds, LineEdge, LineSensors, Motors, Rgb, Servos,
};

/// One `Motors::set` call as the hardware saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotorCall {
    pub output: MotorOutput,
    pub at: Instant,
}

/// The claw travels less than the other joints, so a hardware-side refusal can be tested.
pub const CLAW_MAX_DEG: f32 = 90.0;

#[derive(Debug, Default)]
struct State {
    motors: MotorOutput,
    fail_motors: bool,
    servos: ServoAngles,
    leds: Rgb,
    line: LineReading,
}

type Shared = Arc<Mutex<State>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The test's side of a fake robot.
pub struct FakeProbe {
    state: Shared,
    edges: broadcast::Sender<LineEdge>,
    /// Every motor call, in order.
    pub motor_calls: mpsc::UnboundedReceiver<MotorCall>,
}

/// A fake robot with drive, servos, LEDs and line sensors (no pose).
pub fn fake_hardware() -> (Hardware, FakeProbe) {
    let state = Shared::default();
    let (edges, _) = broadcast::channel(64);
    let (calls_tx, motor_calls) = mpsc::unbounded_channel();
    let hardware = Hardware {
        info: HardwareInfo {
            backend: Backend::Sim,
            capabilities: vec![
                Capability::Drive,
                Capability::Servos,
                Capability::Leds,
                Capability::LineSensors,
            ],
        },
        motors: Box::new(FakeMotors {
            state: state.clone(),
            calls: calls_tx,
        }),
        servos: Box::new(FakeServos(state.clone())),
        leds: Box::new(FakeLeds(state.clone())),
        line: Box::new(FakeLine {
            state: state.clone(),
            edges: edges.clone(),
        }),
        pose: None,
        gun: None,
        hits: None,
        scanner: None,
    };
    let probe = FakeProbe {
        state,
        edges,
        motor_calls,
    };
    (hardware, probe)
}

impl FakeProbe {
    pub fn motors(&self) -> MotorOutput {
        lock(&self.state).motors
    }
    pub fn servos(&self) -> ServoAngles {
        lock(&self.state).servos
    }
    pub fn leds(&self) -> Rgb {
        lock(&self.state).leds
    }
    /// Makes every later motor call fail with a GPIO error.
    pub fn fail_motors(&self, fail: bool) {
        lock(&self.state).fail_motors = fail;
    }
    /// Line edges sent and not yet received by every subscriber.
    pub fn edges_pending(&self) -> usize {
        self.edges.len()
    }
    /// Sets the line sensors, sending one edge per sensor that changed (as the simulator does).
    pub fn set_line(&self, reading: LineReading) {
        let before = std::mem::replace(&mut lock(&self.state).line, reading);
        let at = Instant::now();
        for (sensor, on_line, reading) in edges_between(before, reading) {
            let _ = self.edges.send(LineEdge {
                sensor,
                on_line,
                reading,
                at,
            });
        }
    }
}

struct FakeMotors {
    state: Shared,
    calls: mpsc::UnboundedSender<MotorCall>,
}

impl Motors for FakeMotors {
    fn set(&mut self, output: MotorOutput) -> Result<(), HalError> {
        let at = Instant::now();
        let mut state = lock(&self.state);
        if state.fail_motors {
            return Err(HalError::Gpio("motor driver not responding".into()));
        }
        state.motors = output;
        // Nobody listening is fine.
        let _ = self.calls.send(MotorCall { output, at });
        Ok(())
    }
    fn output(&self) -> MotorOutput {
        lock(&self.state).motors
    }
}

struct FakeServos(Shared);

impl Servos for FakeServos {
    fn set_angle(&mut self, joint: Joint, degrees: f32) -> Result<(), HalError> {
        let max = if joint == Joint::Claw {
            CLAW_MAX_DEG
        } else {
            180.0
        };
        HalError::check_range(degrees, 0.0, max, || {
            format!("{joint:?} angle").to_lowercase()
        })?;
        *lock(&self.0).servos.joint_mut(joint) = degrees;
        Ok(())
    }
    fn angles(&self) -> ServoAngles {
        lock(&self.0).servos
    }
}

struct FakeLeds(Shared);

impl Leds for FakeLeds {
    fn set_all(&mut self, color: Rgb) -> Result<(), HalError> {
        lock(&self.0).leds = color;
        Ok(())
    }
}

struct FakeLine {
    state: Shared,
    edges: broadcast::Sender<LineEdge>,
}

impl LineSensors for FakeLine {
    fn read(&self) -> LineReading {
        lock(&self.state).line
    }
    fn edges(&self) -> broadcast::Receiver<LineEdge> {
        self.edges.subscribe()
    }
}
