//! The robot's own immobilisation after a hit: the motors and LEDs are wrapped so that, while
//! held, every motor output is a stop and the LEDs blink orange whatever the controller asks;
//! what it asked meanwhile is applied when the hold ends. The runtime needs no change: it keeps
//! driving the wrapped parts.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use fleet_protocol::MotorOutput;

use crate::hal::{HalError, Hardware, Leds, Motors, Rgb};

/// The course's hit colour.
pub const ORANGE: Rgb = Rgb {
    r: 255,
    g: 100,
    b: 0,
};

struct Parts {
    motors: Box<dyn Motors>,
    leds: Box<dyn Leds>,
    held: bool,
    wanted_output: MotorOutput,
    wanted_colour: Option<Rgb>,
}

/// The player's side: hold, blink, let go.
#[derive(Clone)]
pub struct Hold {
    parts: Arc<Mutex<Parts>>,
}

fn lock(parts: &Mutex<Parts>) -> MutexGuard<'_, Parts> {
    parts.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hold {
    /// Wraps `hw`'s motors and LEDs; returns the handle that holds them.
    pub fn wrap(hw: &mut Hardware) -> Hold {
        let motors = std::mem::replace(&mut hw.motors, Box::new(Placeholder));
        let leds = std::mem::replace(&mut hw.leds, Box::new(Placeholder));
        let parts = Arc::new(Mutex::new(Parts {
            motors,
            leds,
            held: false,
            wanted_output: MotorOutput::default(),
            wanted_colour: None,
        }));
        hw.motors = Box::new(HeldMotors {
            parts: parts.clone(),
        });
        hw.leds = Box::new(HeldLeds {
            parts: parts.clone(),
        });
        Hold { parts }
    }

    /// Stops the motors now and keeps them stopped until [`Hold::release`].
    pub fn hold(&self) -> Result<(), HalError> {
        let mut parts = lock(&self.parts);
        parts.held = true;
        parts.motors.stop()?;
        parts.leds.set_all(ORANGE)
    }

    pub fn is_held(&self) -> bool {
        lock(&self.parts).held
    }

    /// One blink step while held: orange or dark.
    pub fn blink(&self, on: bool) -> Result<(), HalError> {
        let mut parts = lock(&self.parts);
        if !parts.held {
            return Ok(());
        }
        parts.leds.set_all(if on { ORANGE } else { Rgb::default() })
    }

    /// Ends the hold: the last output and colour the controller asked for are applied.
    pub fn release(&self) -> Result<(), HalError> {
        let mut parts = lock(&self.parts);
        parts.held = false;
        let (output, colour) = (parts.wanted_output, parts.wanted_colour.unwrap_or_default());
        parts.motors.set(output)?;
        parts.leds.set_all(colour)
    }
}

struct HeldMotors {
    parts: Arc<Mutex<Parts>>,
}

impl Motors for HeldMotors {
    fn set(&mut self, output: MotorOutput) -> Result<(), HalError> {
        let mut parts = lock(&self.parts);
        parts.wanted_output = output;
        if parts.held {
            parts.motors.stop()
        } else {
            parts.motors.set(output)
        }
    }

    fn output(&self) -> MotorOutput {
        lock(&self.parts).motors.output()
    }
}

struct HeldLeds {
    parts: Arc<Mutex<Parts>>,
}

impl Leds for HeldLeds {
    fn set_all(&mut self, color: Rgb) -> Result<(), HalError> {
        let mut parts = lock(&self.parts);
        parts.wanted_colour = Some(color);
        if parts.held {
            Ok(())
        } else {
            parts.leds.set_all(color)
        }
    }
}

/// Stands in for a part for the instant it is being wrapped.
struct Placeholder;

impl Motors for Placeholder {
    fn set(&mut self, _: MotorOutput) -> Result<(), HalError> {
        Err(HalError::Unsupported("motors (being wrapped)".into()))
    }
    fn output(&self) -> MotorOutput {
        MotorOutput::default()
    }
}

impl Leds for Placeholder {
    fn set_all(&mut self, _: Rgb) -> Result<(), HalError> {
        Err(HalError::Unsupported("LEDs (being wrapped)".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fake::fake_hardware;

    #[test]
    fn while_held_the_motors_stay_stopped_and_what_was_asked_is_applied_on_release() {
        let (mut hw, probe) = fake_hardware();
        let hold = Hold::wrap(&mut hw);
        let go = MotorOutput {
            left: 0.5,
            right: 0.5,
        };
        hw.motors.set(go).unwrap();
        assert_eq!(probe.motors(), go);
        hold.hold().unwrap();
        assert_eq!(probe.motors(), MotorOutput::default());
        assert_eq!(probe.leds(), ORANGE);
        hw.motors.set(go).unwrap();
        hw.leds.set_all(Rgb { r: 0, g: 0, b: 9 }).unwrap();
        assert_eq!(probe.motors(), MotorOutput::default(), "held");
        assert_eq!(probe.leds(), ORANGE, "held");
        hold.blink(false).unwrap();
        assert_eq!(probe.leds(), Rgb::default());
        hold.release().unwrap();
        assert_eq!(probe.motors(), go);
        assert_eq!(probe.leds(), Rgb { r: 0, g: 0, b: 9 });
    }
}
