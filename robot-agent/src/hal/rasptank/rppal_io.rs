//! The [`Io`] seams bound to rppal 0.22 on a Raspberry Pi (feature `rasptank`), and the LIRC
//! transmitter to its device file.
//!
//! The only file that names rppal. It compiles anywhere; opening parts fails off a Pi.

use std::time::{Duration, Instant};

use rppal::gpio::{self, Event, Gpio, Trigger};
use rppal::i2c::I2c;
use rppal::spi::{Bus, Mode, SlaveSelect, Spi};

use super::io::{
    EdgeHandler, EdgeInput, I2cBus, Io, OutputPin, PwmOutput, SpiBus, TimedEdgeHandler,
};
use super::ir_lirc::device::LircDevice;
use crate::hal::HalError;

fn gpio_error(gpio: u8) -> impl FnOnce(gpio::Error) -> HalError {
    move |e| HalError::Gpio(format!("GPIO {gpio}: {e}"))
}

/// Opens pins, the I2C bus and the SPI bus through rppal.
pub struct RppalIo {
    gpio: Gpio,
}

impl RppalIo {
    pub fn new() -> Result<Self, HalError> {
        let gpio = Gpio::new().map_err(|e| HalError::Gpio(format!("opening the GPIO: {e}")))?;
        Ok(Self { gpio })
    }

    fn pin(&self, gpio: u8) -> Result<gpio::Pin, HalError> {
        self.gpio.get(gpio).map_err(gpio_error(gpio))
    }
}

pub struct RppalOutput(gpio::OutputPin);

impl OutputPin for RppalOutput {
    fn set_high(&mut self) -> Result<(), HalError> {
        self.0.set_high();
        Ok(())
    }
    fn set_low(&mut self) -> Result<(), HalError> {
        self.0.set_low();
        Ok(())
    }
}

/// rppal's software PWM: a thread per pin, fine at the motors' 1 kHz.
pub struct RppalPwm(gpio::OutputPin);

impl PwmOutput for RppalPwm {
    fn set_pwm(&mut self, frequency_hz: f64, duty: f64) -> Result<(), HalError> {
        let pin = self.0.pin();
        if duty <= 0.0 {
            // Stop the PWM thread instead of letting it toggle a 0% signal.
            self.0.clear_pwm().map_err(gpio_error(pin))?;
            self.0.set_low();
            Ok(())
        } else {
            self.0
                .set_pwm_frequency(frequency_hz, duty)
                .map_err(gpio_error(pin))
        }
    }
}

pub struct RppalInput(gpio::InputPin);

impl EdgeInput for RppalInput {
    fn is_high(&self) -> Result<bool, HalError> {
        Ok(self.0.is_high())
    }

    fn on_edges(&mut self, mut handler: EdgeHandler) -> Result<(), HalError> {
        let pin = self.0.pin();
        self.0
            .set_async_interrupt(Trigger::Both, None, move |event: Event| {
                handler(event.trigger == Trigger::RisingEdge)
            })
            .map_err(gpio_error(pin))
    }

    fn on_timed_edges(&mut self, mut handler: TimedEdgeHandler) -> Result<(), HalError> {
        let pin = self.0.pin();
        self.0
            .set_async_interrupt(Trigger::Both, None, move |event: Event| {
                let at = event_instant(event.timestamp);
                handler(event.trigger == Trigger::RisingEdge, at)
            })
            .map_err(gpio_error(pin))
    }
}

/// The kernel's edge timestamp (CLOCK_MONOTONIC since boot, the GPIO character device's
/// default) as an `Instant`, which on Linux reads the same clock: now, less how long ago it was.
fn event_instant(timestamp: Duration) -> Instant {
    let now = Instant::now();
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } != 0 {
        return now;
    }
    let monotonic = Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    );
    now.checked_sub(monotonic.saturating_sub(timestamp))
        .unwrap_or(now)
}

/// One bus, possibly shared by several chips: the slave address is set per write when it changes.
pub struct RppalI2c {
    i2c: I2c,
    address: Option<u8>,
}

impl I2cBus for RppalI2c {
    fn write(&mut self, address: u8, bytes: &[u8]) -> Result<(), HalError> {
        let fail = |e: rppal::i2c::Error| HalError::I2c(format!("address {address:#04x}: {e}"));
        if self.address != Some(address) {
            self.i2c
                .set_slave_address(u16::from(address))
                .map_err(fail)?;
            self.address = Some(address);
        }
        let written = self.i2c.write(bytes).map_err(fail)?;
        if written != bytes.len() {
            return Err(HalError::I2c(format!(
                "address {address:#04x}: wrote {written} of {} bytes",
                bytes.len()
            )));
        }
        Ok(())
    }
}

pub struct RppalSpi(Spi);

impl SpiBus for RppalSpi {
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
        // HalError has no SPI variant; the SPI pins are GPIOs, so report it as a GPIO fault.
        let written = self
            .0
            .write(bytes)
            .map_err(|e| HalError::Gpio(format!("SPI: {e}")))?;
        if written != bytes.len() {
            return Err(HalError::Gpio(format!(
                "SPI: wrote {written} of {} bytes",
                bytes.len()
            )));
        }
        Ok(())
    }
}

impl Io for RppalIo {
    type Output = RppalOutput;
    type Pwm = RppalPwm;
    type Input = RppalInput;
    type I2c = RppalI2c;
    type Spi = RppalSpi;
    type Lirc = LircDevice;

    fn output(&mut self, gpio: u8) -> Result<RppalOutput, HalError> {
        // Low before it becomes an output, so no motor twitches while the pins are claimed.
        Ok(RppalOutput(self.pin(gpio)?.into_output_low()))
    }

    fn pwm(&mut self, gpio: u8) -> Result<RppalPwm, HalError> {
        Ok(RppalPwm(self.pin(gpio)?.into_output_low()))
    }

    fn input(&mut self, gpio: u8) -> Result<RppalInput, HalError> {
        // No pull: the sensor boards drive the line (findline.py sets them up as plain GPIO.IN).
        Ok(RppalInput(self.pin(gpio)?.into_input()))
    }

    fn i2c(&mut self, bus: u8) -> Result<RppalI2c, HalError> {
        let i2c =
            I2c::with_bus(bus).map_err(|e| HalError::I2c(format!("opening bus {bus}: {e}")))?;
        Ok(RppalI2c { i2c, address: None })
    }

    fn spi(&mut self, bus: u8, slave_select: u8, clock_hz: u32) -> Result<RppalSpi, HalError> {
        let unsupported =
            || HalError::Unsupported(format!("SPI bus {bus} chip select {slave_select}"));
        let bus = match bus {
            0 => Bus::Spi0,
            1 => Bus::Spi1,
            2 => Bus::Spi2,
            3 => Bus::Spi3,
            4 => Bus::Spi4,
            5 => Bus::Spi5,
            6 => Bus::Spi6,
            _ => return Err(unsupported()),
        };
        let ss = match slave_select {
            0 => SlaveSelect::Ss0,
            1 => SlaveSelect::Ss1,
            2 => SlaveSelect::Ss2,
            _ => return Err(unsupported()),
        };
        let spi = Spi::new(bus, ss, clock_hz, Mode::Mode0)
            .map_err(|e| HalError::Gpio(format!("opening SPI: {e}")))?;
        Ok(RppalSpi(spi))
    }

    fn lirc_tx(&mut self, path: &str) -> Result<LircDevice, HalError> {
        LircDevice::open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_timestamp_maps_to_the_instant_it_names() {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: as in `event_instant`.
        assert_eq!(
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) },
            0
        );
        let now = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        let at = event_instant(now - Duration::from_millis(5));
        let ago = Instant::now().duration_since(at);
        assert!(
            ago >= Duration::from_millis(5) && ago < Duration::from_millis(50),
            "{ago:?}"
        );
    }
}
