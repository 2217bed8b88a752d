//! The PCA9685 16-channel PWM chip, written to over an [`I2cBus`] (writes only, no reads).
//!
//! Registers from the NXP PCA9685 datasheet: MODE1 0x00, MODE2 0x01, LED0_ON_L 0x06 (four
//! registers per channel: ON_L, ON_H, OFF_L, OFF_H), PRE_SCALE 0xFE; 25 MHz internal clock.

use std::time::Duration;

use super::io::I2cBus;
use crate::hal::HalError;

pub const MODE1: u8 = 0x00;
pub const MODE2: u8 = 0x01;
pub const LED0_ON_L: u8 = 0x06;
pub const PRE_SCALE: u8 = 0xFE;

/// MODE1 bits: RESTART resumes channels that ran before SLEEP; AI auto-increments the register
/// address so one transaction writes a channel's four registers.
pub const MODE1_RESTART: u8 = 0x80;
pub const MODE1_AI: u8 = 0x20;
pub const MODE1_SLEEP: u8 = 0x10;
/// MODE2 OUTDRV: totem-pole outputs, which servo signal lines need (Adafruit's default too).
pub const MODE2_OUTDRV: u8 = 0x04;

const OSCILLATOR_HZ: f64 = 25_000_000.0;
/// The oscillator needs 500 µs after leaving sleep before RESTART may be written.
const WAKE_DELAY: Duration = Duration::from_micros(500);

/// PRE_SCALE for a PWM frequency: round(25 MHz / (4096 × f)) − 1, so 50 Hz gives 121
/// (as Adafruit_PCA9685's `set_pwm_freq(50)`, which Adeept's RPIservo.py calls).
pub fn prescale(frequency_hz: f64) -> u8 {
    let value = (OSCILLATOR_HZ / (4096.0 * frequency_hz)).round() - 1.0;
    // The chip clamps PRE_SCALE to 3..=255; config validation keeps the frequency in that span.
    value.clamp(3.0, 255.0) as u8
}

pub struct Pca9685<B> {
    bus: B,
    address: u8,
}

impl<B: I2cBus> Pca9685<B> {
    pub fn new(bus: B, address: u8) -> Self {
        Self { bus, address }
    }

    /// Sets the PWM frequency and wakes the chip. PRE_SCALE can only be written asleep; the
    /// final RESTART resumes channels left running by an earlier agent, so servos hold still.
    pub fn init(&mut self, frequency_hz: f64) -> Result<(), HalError> {
        self.write(&[MODE1, MODE1_SLEEP | MODE1_AI])?;
        self.write(&[PRE_SCALE, prescale(frequency_hz)])?;
        self.write(&[MODE2, MODE2_OUTDRV])?;
        self.write(&[MODE1, MODE1_AI])?;
        std::thread::sleep(WAKE_DELAY);
        self.write(&[MODE1, MODE1_RESTART | MODE1_AI])
    }

    /// Output high from tick 0 to `off_ticks` (of 4096) in every period on `channel` (0..=15).
    pub fn set_pulse(&mut self, channel: u8, off_ticks: u16) -> Result<(), HalError> {
        if channel > 15 || off_ticks > 4095 {
            return Err(HalError::OutOfRange {
                what: format!("PCA9685 channel {channel} pulse"),
                value: f32::from(off_ticks),
                min: 0.0,
                max: 4095.0,
            });
        }
        let [off_l, off_h] = off_ticks.to_le_bytes();
        self.write(&[LED0_ON_L + 4 * channel, 0x00, 0x00, off_l, off_h])
    }

    /// The bus, so tests can inspect what was sent.
    pub fn bus(&self) -> &B {
        &self.bus
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
        self.bus.write(self.address, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::rasptank::fake::{Log, Op};

    #[test]
    fn prescale_is_the_rounded_oscillator_ratio_minus_one_so_50_hz_gives_121() {
        assert_eq!(prescale(50.0), 121);
        assert_eq!(prescale(1000.0), 5);
        assert_eq!(prescale(24.0), 253);
    }

    #[test]
    fn init_sleeps_sets_prescale_121_then_wakes_with_auto_increment_and_restart() {
        let log = Log::default();
        let mut chip = Pca9685::new(log.i2c(1), 0x40);
        chip.init(50.0).unwrap();
        assert_eq!(
            log.take(),
            vec![
                Op::I2c(1, 0x40, vec![0x00, 0x30]),
                Op::I2c(1, 0x40, vec![0xFE, 121]),
                Op::I2c(1, 0x40, vec![0x01, 0x04]),
                Op::I2c(1, 0x40, vec![0x00, 0x20]),
                Op::I2c(1, 0x40, vec![0x00, 0xA0]),
            ]
        );
    }

    #[test]
    fn a_pulse_is_one_auto_incremented_write_of_on_and_off_little_endian() {
        let log = Log::default();
        let mut chip = Pca9685::new(log.i2c(1), 0x5F);
        chip.set_pulse(0, 0x01F4).unwrap();
        chip.set_pulse(15, 300).unwrap();
        assert_eq!(
            log.take(),
            vec![
                Op::I2c(1, 0x5F, vec![0x06, 0x00, 0x00, 0xF4, 0x01]),
                Op::I2c(1, 0x5F, vec![0x42, 0x00, 0x00, 0x2C, 0x01]),
            ]
        );
    }

    #[test]
    fn a_channel_above_15_is_refused_without_writing() {
        let log = Log::default();
        let mut chip = Pca9685::new(log.i2c(1), 0x40);
        assert!(chip.set_pulse(16, 300).is_err());
        assert!(log.take().is_empty());
    }
}
