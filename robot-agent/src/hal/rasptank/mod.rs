//! The real Adeept RaspTank: track motors on GPIO + software PWM, arm servos on a PCA9685,
//! line sensors by edge interrupt, WS2812 LEDs over SPI, the course's IR gun (LIRC) and
//! receiver (edge interrupts), see [`ir`], and the Pi camera reading a base's QR code through
//! the camera tool ([`camera`], [`qr_scan`]).
//!
//! Drivers are generic over the seams in [`io`]; [`build`] assembles them into a
//! [`Hardware`] from any [`Io`], and [`open`] (feature `rasptank`) does so with rppal on a Pi.
//! Every pin and limit comes from [`RasptankConfig`]; see `docs/rasptank.md`.

pub mod camera;
pub mod config;
pub mod io;
pub mod ir;
pub mod ir_frame;
pub mod ir_lirc;
pub mod ir_pulses;
pub mod ir_receiver;
pub mod leds;
pub mod line;
pub mod motors;
pub mod pca9685;
pub mod qr_scan;
pub mod servos;
pub mod validate;

#[cfg(test)]
mod camera_tests;
#[cfg(test)]
mod config_tests;
#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
pub(crate) mod ir_tests;
#[cfg(test)]
mod qr_scan_tests;
#[cfg(feature = "rasptank")]
mod rppal_io;
#[cfg(test)]
pub(crate) mod test_frames;

use fleet_protocol::{Backend, Capability};
use thiserror::Error;

use camera::Camera;
use config::LedDriver;
pub use config::{CameraConfig, IrConfig, RasptankConfig};
pub use io::Io;
use leds::{NoLeds, SpiLeds};
use line::EdgeLineSensors;
use motors::{GpioMotors, hbridge};
use qr_scan::CameraScanner;
#[cfg(feature = "rasptank")]
pub use rppal_io::RppalIo;
use servos::PcaServos;
pub use validate::ConfigError;

use super::{HalError, Hardware, HardwareInfo, Leds, Scanner};

/// Why the backend could not start.
#[derive(Debug, Error)]
pub enum RasptankError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("could not open the RaspTank hardware: {0}")]
    Hal(#[from] HalError),
    #[error(transparent)]
    Ir(#[from] ir::IrError),
    #[error("camera: {0}")]
    Camera(#[from] camera::CameraError),
}

/// Opens the real hardware through rppal. Fails off a Pi (no /dev/gpiomem, /dev/i2c-1).
#[cfg(feature = "rasptank")]
pub fn open(config: &RasptankConfig) -> Result<Hardware, RasptankError> {
    build(config, &mut RppalIo::new()?)
}

/// Checks `config`, claims every part through `io`, stops the motors and homes the servos.
pub fn build<I: Io>(config: &RasptankConfig, io: &mut I) -> Result<Hardware, RasptankError> {
    config.validate()?;
    // First, so a missing transmitter or camera tool is reported before any pin is claimed.
    let ir = ir::open(&config.ir, io)?;
    let scanner: Option<Box<dyn Scanner>> = if config.camera.enabled {
        let camera = Camera::find(&config.camera)?;
        tracing::info!(tool = %camera.program().display(), "camera QR scanner");
        Some(Box::new(CameraScanner::new(camera)))
    } else {
        None
    };
    let m = &config.motors;
    let left = hbridge(&m.left, io)?;
    let right = hbridge(&m.right, io)?;
    let motors = GpioMotors::start(left, right, m)?;

    let servos = PcaServos::start(io.i2c(config.servos.i2c_bus)?, config.servos.clone())?;

    let l = &config.line;
    let line = EdgeLineSensors::start(
        io.input(l.left)?,
        io.input(l.middle)?,
        io.input(l.right)?,
        l.on_line_level,
    )?;

    let mut capabilities = vec![
        Capability::Drive,
        Capability::Servos,
        Capability::LineSensors,
        Capability::LineFollow,
    ];
    let c = &config.leds;
    let leds: Box<dyn Leds> = match c.driver {
        LedDriver::None => Box::new(NoLeds),
        LedDriver::Spi => {
            capabilities.push(Capability::Leds);
            let spi = io.spi(c.spi_bus, c.slave_select, leds::SPI_CLOCK_HZ)?;
            Box::new(SpiLeds::new(spi, c.count))
        }
    };

    let (gun, hits) = match ir {
        Some(parts) => (Some(parts.gun), Some(parts.hits)),
        None => (None, None),
    };
    Ok(Hardware {
        info: HardwareInfo {
            backend: Backend::Rasptank,
            capabilities,
        },
        motors: Box::new(motors),
        servos: Box::new(servos),
        leds,
        line: Box::new(line),
        pose: None,
        gun,
        hits,
        // Without `[rasptank.camera] enabled`, game mode takes every white zone for the
        // capture zone (ENTER_FLAG_AREA), a base's included, so the robot cannot deposit.
        scanner,
    })
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{Joint, LineReading, MotorOutput};

    use super::config::LedDriver;
    use super::fake::{FakeInput, FakeIo, Op};
    use super::*;
    use crate::hal::Rgb;

    #[test]
    fn the_v1_defaults_build_a_rasptank_bundle_on_the_v1_pins() {
        let mut io = FakeIo::default();
        io.inputs.insert(16, FakeInput::with_level(true));
        let mut hw = build(&RasptankConfig::default(), &mut io).unwrap();
        assert_eq!(hw.info.backend, Backend::Rasptank);
        assert!(!hw.info.capabilities.contains(&Capability::Leds));
        assert!(hw.pose.is_none());

        let startup = io.log.take();
        let pins: Vec<u8> = startup
            .iter()
            .filter_map(|op| match op {
                Op::Pin(g, _) | Op::Pwm(g, _, _) => Some(*g),
                _ => None,
            })
            .collect();
        assert_eq!(pins, [27, 18, 17, 14, 15, 4]);
        assert!(startup.contains(&Op::I2c(1, 0x40, vec![0xFE, 121])));
        assert_eq!(
            hw.line.read(),
            LineReading {
                left: false,
                middle: true,
                right: false
            }
        );

        hw.motors
            .set(MotorOutput {
                left: 0.5,
                right: 0.5,
            })
            .unwrap();
        hw.servos.set_angle(Joint::Claw, 90.0).unwrap();
        let ops = io.log.take();
        assert!(ops.contains(&Op::Pwm(17, 1000.0, 0.5)));
        assert!(ops.contains(&Op::I2c(1, 0x40, vec![0x42, 0x00, 0x00, 0x2C, 0x01])));
        assert!(matches!(
            hw.leds.set_all(Rgb::default()),
            Err(HalError::Unsupported(_))
        ));

        let mut edges = hw.line.edges();
        io.input_handle(20).fire(true);
        assert!(edges.try_recv().unwrap().reading.left);
    }

    #[test]
    fn with_the_spi_driver_the_bundle_announces_and_drives_the_leds() {
        let mut config = RasptankConfig::default();
        config.leds.driver = LedDriver::Spi;
        config.leds.count = 2;
        let mut io = FakeIo::default();
        let mut hw = build(&config, &mut io).unwrap();
        assert!(hw.info.capabilities.contains(&Capability::Leds));
        io.log.take();
        hw.leds.set_all(Rgb { r: 0, g: 0, b: 0 }).unwrap();
        let ops = io.log.take();
        let [Op::Spi(frame)] = ops.as_slice() else {
            panic!("one SPI write")
        };
        assert_eq!(frame.len(), 2 * leds::BYTES_PER_LED + leds::RESET_BYTES);
    }

    #[test]
    fn an_invalid_config_claims_no_hardware() {
        let mut config = RasptankConfig::default();
        config.line.middle = 4;
        let mut io = FakeIo::default();
        let error = build(&config, &mut io).err().unwrap();
        assert!(matches!(
            error,
            RasptankError::Config(ConfigError::PinUsedTwice { gpio: 4, .. })
        ));
        assert!(io.log.take().is_empty());
        assert!(io.inputs.is_empty());
    }
}
