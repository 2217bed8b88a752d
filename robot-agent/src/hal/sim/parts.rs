//! The simulator's implementations of the hardware traits. Motors, line sensors and the pose
//! share the [`World`] behind a mutex (held only for a read or a write); servos and LEDs only
//! remember what they were told.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use fleet_protocol::command::SERVO_ANGLE_RANGE;
use fleet_protocol::{Joint, LineReading, MotorOutput, Pose, ServoAngles};
use tokio::sync::broadcast;

use super::world::World;
use crate::hal::{HalError, Leds, LineEdge, LineSensors, Motors, PoseSensor, Rgb, Servos};

pub(super) type SharedWorld = Arc<Mutex<World>>;

/// Locks the world. A panic while holding it cannot leave the world half-updated in a way
/// that matters (every field is overwritten by the next step), so poisoning is ignored.
pub(super) fn lock(world: &SharedWorld) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The angles one servo joint may take, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JointLimits {
    pub min: f32,
    pub max: f32,
}

/// Per-joint angle limits; every joint allows the protocol's full 0..180 unless narrowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ServoLimits([JointLimits; 5]);

impl Default for ServoLimits {
    fn default() -> Self {
        let (min, max) = SERVO_ANGLE_RANGE;
        Self([JointLimits { min, max }; 5])
    }
}

impl ServoLimits {
    pub fn get(&self, joint: Joint) -> JointLimits {
        self.0[index(joint)]
    }

    /// These limits with `joint` narrowed (or widened) to `limits`.
    pub fn with(mut self, joint: Joint, limits: JointLimits) -> Self {
        self.0[index(joint)] = limits;
        self
    }
}

fn index(joint: Joint) -> usize {
    match joint {
        Joint::CameraTilt => 0,
        Joint::Arm => 1,
        Joint::Forearm => 2,
        Joint::Wrist => 3,
        Joint::Claw => 4,
    }
}

pub(super) struct SimMotors {
    pub(super) world: SharedWorld,
}

impl Motors for SimMotors {
    fn set(&mut self, output: MotorOutput) -> Result<(), HalError> {
        for value in [output.left, output.right] {
            HalError::check_range(value, -1.0, 1.0, || "motor output".into())?;
        }
        lock(&self.world).set_motors(output);
        Ok(())
    }

    fn output(&self) -> MotorOutput {
        lock(&self.world).motors()
    }
}

pub(super) struct SimServos {
    limits: ServoLimits,
    angles: ServoAngles,
}

impl SimServos {
    /// Every joint starts in the middle of its range, as the real arm is centred at power-up.
    pub(super) fn new(limits: ServoLimits) -> Self {
        let mut angles = ServoAngles::default();
        for joint in Joint::ALL {
            let JointLimits { min, max } = limits.get(joint);
            *angles.joint_mut(joint) = (min + max) / 2.0;
        }
        Self { limits, angles }
    }
}

impl Servos for SimServos {
    fn set_angle(&mut self, joint: Joint, degrees: f32) -> Result<(), HalError> {
        let JointLimits { min, max } = self.limits.get(joint);
        HalError::check_range(degrees, min, max, || "servo angle".into())?;
        *self.angles.joint_mut(joint) = degrees;
        Ok(())
    }

    fn angles(&self) -> ServoAngles {
        self.angles
    }
}

pub(super) struct SimLeds {
    pub(super) colour: Arc<Mutex<Rgb>>,
}

impl Leds for SimLeds {
    fn set_all(&mut self, color: Rgb) -> Result<(), HalError> {
        *self.colour.lock().unwrap_or_else(PoisonError::into_inner) = color;
        Ok(())
    }
}

pub(super) struct SimLineSensors {
    pub(super) world: SharedWorld,
    pub(super) edges: broadcast::Sender<LineEdge>,
}

impl LineSensors for SimLineSensors {
    fn read(&self) -> LineReading {
        lock(&self.world).line_reading()
    }

    fn edges(&self) -> broadcast::Receiver<LineEdge> {
        self.edges.subscribe()
    }
}

pub(super) struct SimPose {
    pub(super) world: SharedWorld,
}

impl PoseSensor for SimPose {
    fn pose(&self) -> Pose {
        lock(&self.world).pose()
    }
}
