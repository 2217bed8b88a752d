//! Recording fakes of the I/O seams, for the boundary tests: every pin level, duty cycle, I2C
//! and SPI write, LIRC ioctl and write lands in one shared, ordered log; edges are fired by hand
//! (at a time the test chooses, for the IR receiver).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::io::{
    EdgeHandler, EdgeInput, I2cBus, Io, OutputPin, PwmOutput, SpiBus, TimedEdgeHandler,
};
use crate::hal::HalError;

/// One thing the drivers did to the hardware.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// GPIO, level (true = high).
    Pin(u8, bool),
    /// GPIO, frequency in Hz, duty 0..=1.
    Pwm(u8, f64, f64),
    /// Bus, 7-bit address, bytes.
    I2c(u8, u8, Vec<u8>),
    Spi(Vec<u8>),
    /// LIRC ioctl request and its `u32` argument.
    Ioctl(u32, u32),
    /// One write to the LIRC device.
    Write(Vec<u8>),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Op>>>);

impl Log {
    fn push(&self, op: Op) {
        lock(&self.0).push(op);
    }

    /// Everything recorded so far, clearing the log.
    pub fn take(&self) -> Vec<Op> {
        std::mem::take(&mut *lock(&self.0))
    }

    pub fn output(&self, gpio: u8) -> FakeOutput {
        FakeOutput {
            gpio,
            log: self.clone(),
        }
    }

    pub fn pwm(&self, gpio: u8) -> FakePwm {
        FakePwm {
            gpio,
            log: self.clone(),
        }
    }

    pub fn i2c(&self, bus: u8) -> FakeI2c {
        FakeI2c {
            bus,
            log: self.clone(),
        }
    }

    pub fn spi(&self) -> FakeSpi {
        FakeSpi { log: self.clone() }
    }

    pub fn lirc(&self) -> FakeLirc {
        FakeLirc { log: self.clone() }
    }
}

pub struct FakeLirc {
    log: Log,
}

impl super::ir_lirc::LircTx for FakeLirc {
    fn ioctl(&mut self, request: u32, value: u32) -> Result<(), HalError> {
        self.log.push(Op::Ioctl(request, value));
        Ok(())
    }
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
        self.log.push(Op::Write(bytes.to_vec()));
        Ok(())
    }
}

pub struct FakeOutput {
    gpio: u8,
    log: Log,
}

impl OutputPin for FakeOutput {
    fn set_high(&mut self) -> Result<(), HalError> {
        self.log.push(Op::Pin(self.gpio, true));
        Ok(())
    }
    fn set_low(&mut self) -> Result<(), HalError> {
        self.log.push(Op::Pin(self.gpio, false));
        Ok(())
    }
}

pub struct FakePwm {
    gpio: u8,
    log: Log,
}

impl PwmOutput for FakePwm {
    fn set_pwm(&mut self, frequency_hz: f64, duty: f64) -> Result<(), HalError> {
        self.log.push(Op::Pwm(self.gpio, frequency_hz, duty));
        Ok(())
    }
}

pub struct FakeI2c {
    bus: u8,
    log: Log,
}

impl I2cBus for FakeI2c {
    fn write(&mut self, address: u8, bytes: &[u8]) -> Result<(), HalError> {
        self.log.push(Op::I2c(self.bus, address, bytes.to_vec()));
        Ok(())
    }
}

pub struct FakeSpi {
    log: Log,
}

impl SpiBus for FakeSpi {
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
        self.log.push(Op::Spi(bytes.to_vec()));
        Ok(())
    }
}

#[derive(Default)]
struct Line {
    high: bool,
    handler: Option<TimedEdgeHandler>,
}

/// An input whose level the test sets; `fire` calls the registered handler like an interrupt.
#[derive(Clone, Default)]
pub struct FakeInput(Arc<Mutex<Line>>);

impl FakeInput {
    pub fn with_level(high: bool) -> Self {
        Self(Arc::new(Mutex::new(Line {
            high,
            handler: None,
        })))
    }

    /// Changes the level and, if it changed, delivers the edge as the interrupt thread would.
    pub fn fire(&self, high: bool) {
        self.fire_at(high, Instant::now());
    }

    /// As [`fire`](Self::fire), the edge timestamped `at` (as the kernel stamps it).
    pub fn fire_at(&self, high: bool, at: Instant) {
        let handler = {
            let mut line = lock(&self.0);
            if line.high == high {
                return;
            }
            line.high = high;
            line.handler.take()
        };
        if let Some(mut handler) = handler {
            handler(high, at);
            lock(&self.0).handler = Some(handler);
        }
    }
}

impl EdgeInput for FakeInput {
    fn is_high(&self) -> Result<bool, HalError> {
        Ok(lock(&self.0).high)
    }
    fn on_edges(&mut self, mut handler: EdgeHandler) -> Result<(), HalError> {
        self.on_timed_edges(Box::new(move |high, _| handler(high)))
    }
    fn on_timed_edges(&mut self, handler: TimedEdgeHandler) -> Result<(), HalError> {
        lock(&self.0).handler = Some(handler);
        Ok(())
    }
}

/// A whole Pi: hands out recording parts and keeps the inputs so tests can fire edges.
#[derive(Default)]
pub struct FakeIo {
    pub log: Log,
    pub inputs: HashMap<u8, FakeInput>,
    /// LIRC device paths that do not exist (the overlay is missing): opening one fails as the
    /// real device does.
    pub missing_devices: HashSet<String>,
    /// Every LIRC device path opened, in order.
    pub opened_devices: Vec<String>,
}

impl FakeIo {
    /// The input the backend opened on `gpio` (panics if it opened none: a test bug).
    pub fn input_handle(&self, gpio: u8) -> FakeInput {
        self.inputs[&gpio].clone()
    }
}

impl Io for FakeIo {
    type Output = FakeOutput;
    type Pwm = FakePwm;
    type Input = FakeInput;
    type I2c = FakeI2c;
    type Spi = FakeSpi;
    type Lirc = FakeLirc;

    fn output(&mut self, gpio: u8) -> Result<FakeOutput, HalError> {
        Ok(self.log.output(gpio))
    }
    fn pwm(&mut self, gpio: u8) -> Result<FakePwm, HalError> {
        Ok(self.log.pwm(gpio))
    }
    fn input(&mut self, gpio: u8) -> Result<FakeInput, HalError> {
        Ok(self.inputs.entry(gpio).or_default().clone())
    }
    fn i2c(&mut self, bus: u8) -> Result<FakeI2c, HalError> {
        Ok(self.log.i2c(bus))
    }
    fn spi(&mut self, _bus: u8, _slave_select: u8, _clock_hz: u32) -> Result<FakeSpi, HalError> {
        Ok(self.log.spi())
    }
    fn lirc_tx(&mut self, path: &str) -> Result<FakeLirc, HalError> {
        if self.missing_devices.contains(path) {
            return Err(super::ir_lirc::open_failed(
                path,
                &std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        self.opened_devices.push(path.to_owned());
        Ok(self.log.lirc())
    }
}
