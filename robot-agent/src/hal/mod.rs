//! The hardware layer: one trait per kind of part, two backends.
//!
//! `sim/` simulates a RaspTank on a floor map; `rasptank/` drives the real one. The runtime only
//! sees [`Hardware`], a bundle of these parts, so behaviours and safety code are the same on both.

use std::time::Instant;

use fleet_protocol::{
    Backend, Capability, Joint, LineReading, LineSensor, MotorOutput, Pose, ServoAngles,
};
use thiserror::Error;
use tokio::sync::broadcast;

pub mod rasptank;
pub mod sim;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum HalError {
    #[error("{what} {value} out of range {min}..{max}")]
    OutOfRange {
        what: String,
        value: f32,
        min: f32,
        max: f32,
    },
    #[error("{0} is not fitted on this robot")]
    Unsupported(String),
    #[error("GPIO error: {0}")]
    Gpio(String),
    #[error("I2C error: {0}")]
    I2c(String),
    /// The camera gave no frame (tool missing or failing, timeout) or an unreadable one.
    #[error("camera: {0}")]
    Camera(String),
}

impl HalError {
    /// `Ok` when `value` lies in `min..=max` (NaN never does), else [`HalError::OutOfRange`];
    /// `what` names the value and is only built for the error.
    pub fn check_range(
        value: f32,
        min: f32,
        max: f32,
        what: impl FnOnce() -> String,
    ) -> Result<(), HalError> {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(HalError::OutOfRange {
                what: what(),
                value,
                min,
                max,
            })
        }
    }
}

/// An RGB colour for the LEDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

/// The two track motors. `set` takes -1.0..=1.0 per track; 0 stops (brake or coast, per backend).
pub trait Motors: Send {
    fn set(&mut self, output: MotorOutput) -> Result<(), HalError>;
    /// The output last applied.
    fn output(&self) -> MotorOutput;
    fn stop(&mut self) -> Result<(), HalError> {
        self.set(MotorOutput::default())
    }
}

/// The servo joints (camera tilt, arm). Refuses angles outside the joint's configured limits.
pub trait Servos: Send {
    fn set_angle(&mut self, joint: Joint, degrees: f32) -> Result<(), HalError>;
    fn angles(&self) -> ServoAngles;
}

/// The LED strip.
pub trait Leds: Send {
    fn set_all(&mut self, color: Rgb) -> Result<(), HalError>;
}

/// One level change of one line sensor, as an edge interrupt reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineEdge {
    pub sensor: LineSensor,
    pub on_line: bool,
    /// All three sensors just after the edge.
    pub reading: LineReading,
    pub at: Instant,
}

/// The three line-tracking sensors. `read` returns the level kept up to date by edges (no bus
/// access); `edges` subscribes to every future edge.
pub trait LineSensors: Send {
    fn read(&self) -> LineReading;
    fn edges(&self) -> broadcast::Receiver<LineEdge>;
}

/// A shot that hit this robot, as its IR receiver decoded it: weapon byte and shooter's MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub weapon: u8,
    pub mac: u64,
}

impl Hit {
    /// The course's report of it, `SHOT_BY 0xf1dca632bf91cc`: Python's `hex()` of the weapon byte
    /// followed by the 48-bit MAC, as InfraLib's receiver prints it.
    pub fn shot_by(&self) -> String {
        format!("SHOT_BY 0x{:02x}{:012x}", self.weapon, self.mac)
    }

    /// The shooter's id as the game master derives it from `SHOT_BY` (`0x` + the MAC digits).
    pub fn shooter_id(&self) -> String {
        format!("0x{:012x}", self.mac)
    }
}

/// The IR emitter: sends one shot frame carrying this robot's MAC.
pub trait Gun: Send {
    fn shoot(&mut self) -> Result<(), HalError>;
}

/// The IR receiver: every decoded hit, as it arrives.
pub trait HitSensor: Send {
    fn hits(&self) -> broadcast::Receiver<Hit>;
}

/// The camera reading a QR code: the code in view now, if any (a base's label, in the game).
/// A real scan blocks for a capture (up to its configured timeout, seconds): callers run it off
/// the async runtime (the player uses tokio's blocking pool).
pub trait Scanner: Send {
    fn scan(&mut self) -> Result<Option<String>, HalError>;
}

/// Where the robot is; only the simulator knows.
pub trait PoseSensor: Send {
    fn pose(&self) -> Pose;
}

/// What the agent announces in its birth message.
#[derive(Debug, Clone, PartialEq)]
pub struct HardwareInfo {
    pub backend: Backend,
    pub capabilities: Vec<Capability>,
}

/// A whole robot's hardware, as the runtime sees it.
pub struct Hardware {
    pub info: HardwareInfo,
    pub motors: Box<dyn Motors>,
    pub servos: Box<dyn Servos>,
    pub leds: Box<dyn Leds>,
    pub line: Box<dyn LineSensors>,
    pub pose: Option<Box<dyn PoseSensor>>,
    /// The course's IR gun and receiver, and the QR scanner: fitted for the game, else `None`.
    pub gun: Option<Box<dyn Gun>>,
    pub hits: Option<Box<dyn HitSensor>>,
    pub scanner: Option<Box<dyn Scanner>>,
}
