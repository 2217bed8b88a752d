//! The two track motors as H-bridge channels: direction pins plus a PWM enable pin.
//!
//! Output -1..=1 becomes a direction (which of IN1/IN2 is high, swapped when the motor is
//! inverted) and a duty cycle |output| on the enable pin, as Adeept's move.py does in percent.

use fleet_protocol::MotorOutput;
use tracing::warn;

use super::config::{MotorConfig, MotorsConfig, StopMode};
use super::io::{Io, OutputPin, PwmOutput};
use crate::hal::{HalError, Motors};

/// One motor channel of the HAT.
pub struct HBridge<O, P> {
    pub in1: O,
    pub in2: O,
    pub enable: P,
    pub inverted: bool,
}

impl<O: OutputPin, P: PwmOutput> HBridge<O, P> {
    fn apply(&mut self, output: f32, frequency_hz: f64, stop: StopMode) -> Result<(), HalError> {
        if output == 0.0 {
            return match stop {
                StopMode::Coast => {
                    self.in1.set_low()?;
                    self.in2.set_low()?;
                    self.enable.set_pwm(frequency_hz, 0.0)
                }
                StopMode::Brake => {
                    self.in1.set_high()?;
                    self.in2.set_high()?;
                    self.enable.set_pwm(frequency_hz, 1.0)
                }
            };
        }
        let in1_high = (output > 0.0) != self.inverted;
        let (on, off) = if in1_high {
            (&mut self.in1, &mut self.in2)
        } else {
            (&mut self.in2, &mut self.in1)
        };
        // Low before high: while reversing, the bridge passes through coast, never brake.
        off.set_low()?;
        on.set_high()?;
        self.enable.set_pwm(frequency_hz, f64::from(output.abs()))
    }
}

/// Left and right tracks, each on its own H-bridge channel.
pub struct GpioMotors<O: OutputPin, P: PwmOutput> {
    left: HBridge<O, P>,
    right: HBridge<O, P>,
    frequency_hz: f64,
    stop: StopMode,
    output: MotorOutput,
}

impl<O: OutputPin, P: PwmOutput> GpioMotors<O, P> {
    /// Takes the pins and stops both motors at once, as move.py's `setup()` calls
    /// `motorStop()`, so the tracks never run on whatever level the pins had.
    pub fn start(
        left: HBridge<O, P>,
        right: HBridge<O, P>,
        config: &MotorsConfig,
    ) -> Result<Self, HalError> {
        let mut motors = Self {
            left,
            right,
            frequency_hz: config.pwm_frequency_hz,
            stop: config.stop,
            output: MotorOutput::default(),
        };
        motors.set(MotorOutput::default())?;
        Ok(motors)
    }
}

/// Claims one motor's pins.
pub fn hbridge<I: Io>(
    config: &MotorConfig,
    io: &mut I,
) -> Result<HBridge<I::Output, I::Pwm>, HalError> {
    Ok(HBridge {
        in1: io.output(config.in1)?,
        in2: io.output(config.in2)?,
        enable: io.pwm(config.enable)?,
        inverted: config.inverted,
    })
}

impl<O: OutputPin, P: PwmOutput> Motors for GpioMotors<O, P> {
    fn set(&mut self, output: MotorOutput) -> Result<(), HalError> {
        // Both checked before either moves, so a bad command never turns the robot half-way.
        HalError::check_range(output.left, -1.0, 1.0, || "left motor output".into())?;
        HalError::check_range(output.right, -1.0, 1.0, || "right motor output".into())?;
        self.left.apply(output.left, self.frequency_hz, self.stop)?;
        self.right
            .apply(output.right, self.frequency_hz, self.stop)?;
        self.output = output;
        Ok(())
    }

    fn output(&self) -> MotorOutput {
        self.output
    }
}

impl<O: OutputPin, P: PwmOutput> Drop for GpioMotors<O, P> {
    /// A dropped backend (shutdown, panic unwinding) leaves the tracks stopped.
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            warn!(%error, "could not stop the motors while closing the RaspTank backend");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::rasptank::fake::{FakeIo, FakeOutput, FakePwm, Log, Op};

    fn open(config: &MotorsConfig, log: &Log) -> GpioMotors<FakeOutput, FakePwm> {
        let mut io = FakeIo {
            log: log.clone(),
            ..FakeIo::default()
        };
        let left = hbridge(&config.left, &mut io).unwrap();
        let right = hbridge(&config.right, &mut io).unwrap();
        GpioMotors::start(left, right, config).unwrap()
    }

    fn motors(config: &MotorsConfig, log: &Log) -> GpioMotors<FakeOutput, FakePwm> {
        let motors = open(config, log);
        log.take();
        motors
    }

    fn drive(left: f32, right: f32) -> MotorOutput {
        MotorOutput { left, right }
    }

    #[test]
    fn half_forward_on_the_left_motor_sets_in1_high_in2_low_and_half_duty_at_1khz() {
        let log = Log::default();
        let mut m = motors(&MotorsConfig::default(), &log);
        m.set(drive(0.5, 0.0)).unwrap();
        let ops = log.take();
        assert_eq!(
            ops[..3],
            [
                Op::Pin(18, false),
                Op::Pin(27, true),
                Op::Pwm(17, 1000.0, 0.5)
            ]
        );
    }

    #[test]
    fn the_inverted_right_motor_drives_in2_forward_and_in1_in_reverse() {
        let log = Log::default();
        let mut m = motors(&MotorsConfig::default(), &log);
        m.set(drive(0.0, 0.75)).unwrap();
        assert_eq!(
            log.take()[3..],
            [
                Op::Pin(14, false),
                Op::Pin(15, true),
                Op::Pwm(4, 1000.0, 0.75)
            ]
        );
        m.set(drive(0.0, -0.25)).unwrap();
        assert_eq!(
            log.take()[3..],
            [
                Op::Pin(15, false),
                Op::Pin(14, true),
                Op::Pwm(4, 1000.0, 0.25)
            ]
        );
    }

    #[test]
    fn full_reverse_on_a_motor_that_is_not_inverted_sets_in2_high_at_full_duty() {
        let log = Log::default();
        let mut m = motors(&MotorsConfig::default(), &log);
        m.set(drive(-1.0, 0.0)).unwrap();
        assert_eq!(
            log.take()[..3],
            [
                Op::Pin(27, false),
                Op::Pin(18, true),
                Op::Pwm(17, 1000.0, 1.0)
            ]
        );
    }

    #[test]
    fn stop_coasts_with_every_direction_pin_low_and_no_duty() {
        let log = Log::default();
        let mut m = motors(&MotorsConfig::default(), &log);
        m.set(drive(0.5, -0.5)).unwrap();
        log.take();
        m.stop().unwrap();
        assert_eq!(
            log.take(),
            [
                Op::Pin(27, false),
                Op::Pin(18, false),
                Op::Pwm(17, 1000.0, 0.0),
                Op::Pin(14, false),
                Op::Pin(15, false),
                Op::Pwm(4, 1000.0, 0.0),
            ]
        );
        assert_eq!(m.output(), MotorOutput::default());
    }

    #[test]
    fn in_brake_mode_a_zero_output_drives_both_direction_pins_high_with_full_enable() {
        let log = Log::default();
        let config = MotorsConfig {
            stop: StopMode::Brake,
            ..MotorsConfig::default()
        };
        let mut m = motors(&config, &log);
        m.set(drive(0.0, 0.3)).unwrap();
        assert_eq!(
            log.take()[..3],
            [
                Op::Pin(27, true),
                Op::Pin(18, true),
                Op::Pwm(17, 1000.0, 1.0)
            ]
        );
    }

    #[test]
    fn an_output_beyond_full_scale_is_refused_and_no_pin_moves() {
        let log = Log::default();
        let mut m = motors(&MotorsConfig::default(), &log);
        m.set(drive(0.4, 0.4)).unwrap();
        log.take();
        let error = m.set(drive(0.5, 1.5)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "right motor output 1.5 out of range -1..1"
        );
        assert!(m.set(drive(f32::NAN, 0.0)).is_err());
        assert!(log.take().is_empty());
        assert_eq!(m.output(), drive(0.4, 0.4));
    }

    #[test]
    fn starting_stops_both_motors_and_dropping_stops_them_again() {
        let log = Log::default();
        let mut m = open(&MotorsConfig::default(), &log);
        let stopped = log.take();
        assert_eq!(stopped.len(), 6);
        assert!(
            stopped
                .iter()
                .all(|op| matches!(op, Op::Pin(_, false) | Op::Pwm(_, _, 0.0)))
        );
        m.set(drive(1.0, 1.0)).unwrap();
        log.take();
        drop(m);
        assert_eq!(log.take(), stopped);
    }
}
