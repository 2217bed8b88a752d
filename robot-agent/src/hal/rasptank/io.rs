//! The small I/O seams the RaspTank drivers are written against.
//!
//! Drivers never name rppal: they take these traits, so the default build (no Pi) compiles and
//! tests them with recording fakes, and `rppal_io.rs` (feature `rasptank`) binds them to a Pi.

use std::time::Instant;

use super::ir_lirc::LircTx;
use crate::hal::HalError;

/// A GPIO line driven high or low (the H-bridge direction inputs).
pub trait OutputPin: Send {
    fn set_high(&mut self) -> Result<(), HalError>;
    fn set_low(&mut self) -> Result<(), HalError>;
}

/// A pin carrying a PWM signal (the H-bridge enable input).
pub trait PwmOutput: Send {
    /// `duty` is 0.0..=1.0. A duty of 0.0 must leave the pin steadily low, so a stopped motor
    /// is not kept alive by a PWM thread that only ever outputs zero.
    fn set_pwm(&mut self, frequency_hz: f64, duty: f64) -> Result<(), HalError>;
}

/// Called from the interrupt thread with the pin's new level (`true` = high).
pub type EdgeHandler = Box<dyn FnMut(bool) + Send>;

/// As [`EdgeHandler`], with the time the edge happened.
pub type TimedEdgeHandler = Box<dyn FnMut(bool, Instant) + Send>;

/// A GPIO input that reports level changes as interrupts instead of being polled.
pub trait EdgeInput: Send {
    /// The level right now; read once at start to seed the cache before any edge arrives.
    fn is_high(&self) -> Result<bool, HalError>;
    /// Call `handler` on every rising and falling edge from now on (replacing any earlier one).
    fn on_edges(&mut self, handler: EdgeHandler) -> Result<(), HalError>;

    /// As [`on_edges`](Self::on_edges), with when each edge happened: the kernel's timestamp
    /// where the platform has one (rppal: the GPIO character device's event time), else the
    /// time the handler runs. The IR receiver measures 562 us marks with it, so the interrupt
    /// thread's wake-up delay must not be part of every duration.
    fn on_timed_edges(&mut self, mut handler: TimedEdgeHandler) -> Result<(), HalError> {
        self.on_edges(Box::new(move |high| handler(high, Instant::now())))
    }
}

/// An I2C bus; each call is one write transaction to one 7-bit address.
pub trait I2cBus: Send {
    fn write(&mut self, address: u8, bytes: &[u8]) -> Result<(), HalError>;
}

/// An SPI bus used transmit-only (the WS2812 data line on MOSI).
pub trait SpiBus: Send {
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError>;
}

/// Opens the parts above by number, so the bundle constructor can be generic over the platform.
pub trait Io {
    type Output: OutputPin + 'static;
    type Pwm: PwmOutput + 'static;
    type Input: EdgeInput + 'static;
    type I2c: I2cBus + 'static;
    type Spi: SpiBus + 'static;
    type Lirc: LircTx + 'static;

    fn output(&mut self, gpio: u8) -> Result<Self::Output, HalError>;
    fn pwm(&mut self, gpio: u8) -> Result<Self::Pwm, HalError>;
    fn input(&mut self, gpio: u8) -> Result<Self::Input, HalError>;
    fn i2c(&mut self, bus: u8) -> Result<Self::I2c, HalError>;
    fn spi(&mut self, bus: u8, slave_select: u8, clock_hz: u32) -> Result<Self::Spi, HalError>;
    /// The LIRC transmit device at `path` (the IR gun's, `/dev/lirc0` with the overlay).
    fn lirc_tx(&mut self, path: &str) -> Result<Self::Lirc, HalError>;
}
