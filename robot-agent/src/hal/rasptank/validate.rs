//! Checks a [`RasptankConfig`] before any pin is claimed, and reads one from TOML.
//!
//! Serde catches unknown keys and wrong types; these checks catch the configurations that
//! parse but would drive the wrong part (a pin used twice) or a servo past its stops.

use fleet_protocol::Joint;
use thiserror::Error;

use super::config::{CameraConfig, LedDriver, RasptankConfig};
use super::servos::angle_to_ticks;

/// A configuration that parses but cannot describe a working robot.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ConfigError {
    #[error("invalid RaspTank config: {0}")]
    Toml(String),
    #[error("{role} is GPIO {gpio}, but the header only has GPIO 0..=27")]
    PinOutOfRange { role: String, gpio: u8 },
    #[error("GPIO {gpio} is configured twice: as {first} and as {second}")]
    PinUsedTwice {
        gpio: u8,
        first: String,
        second: String,
    },
    #[error("servo {joint} is on PCA9685 channel {channel}, which is used twice or above 15")]
    BadChannel { joint: String, channel: u8 },
    #[error("servo {joint}: {reason}")]
    JointLimits { joint: String, reason: String },
    #[error("{what} is {value} Hz, outside {min}..={max} Hz")]
    Frequency {
        what: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("LED count {0} is outside 1..=256")]
    LedCount(u16),
    #[error(
        "[rasptank.ir] mac = {0:?} is not a MAC address (write dc:a6:32:bf:91:cc or 0xdca632bf91cc)"
    )]
    IrMac(String),
    #[error(
        "the IR gun has no MAC to shoot: set [rasptank.ir] mac, or give the robot a course-style id (0x + 12 hex digits)"
    )]
    NoIrMac,
    #[error("[rasptank.camera] {key} {reason}")]
    Camera { key: &'static str, reason: String },
}

/// A MAC as `dc:a6:32:bf:91:cc` (`/sys/class/net/*/address`) or `0xdca632bf91cc` (the course's
/// robot id), as a 48-bit number.
pub fn parse_mac(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x") {
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return u64::from_str_radix(hex, 16).ok();
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    parts.iter().try_fold(0u64, |mac, part| {
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some((mac << 8) | u64::from(u8::from_str_radix(part, 16).ok()?))
    })
}

impl RasptankConfig {
    /// Parses a TOML document (every table optional) and checks it.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses configurations that would drive the wrong part or a servo past its stops.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let m = &self.motors;
        let l = &self.line;
        let mut pins = vec![
            ("left motor enable", m.left.enable),
            ("left motor in1", m.left.in1),
            ("left motor in2", m.left.in2),
            ("right motor enable", m.right.enable),
            ("right motor in1", m.right.in1),
            ("right motor in2", m.right.in2),
            ("left line sensor", l.left),
            ("middle line sensor", l.middle),
            ("right line sensor", l.right),
        ];
        // Buses the backend opens take their pins from the GPIO header too.
        if self.servos.i2c_bus == 1 {
            pins.extend([("I2C1 SDA", 2), ("I2C1 SCL", 3)]);
        }
        if self.ir.enabled {
            pins.extend([
                ("IR transmitter (gpio-ir-tx overlay)", self.ir.tx_gpio),
                ("IR receiver", self.ir.rx_gpio),
            ]);
        }
        if self.leds.driver == LedDriver::Spi && self.leds.spi_bus == 0 {
            let chip_select = if self.leds.slave_select == 1 { 7 } else { 8 };
            pins.extend([
                ("SPI0 MOSI", 10),
                ("SPI0 SCLK", 11),
                ("SPI0 chip select", chip_select),
            ]);
        }
        for (i, &(role, gpio)) in pins.iter().enumerate() {
            if gpio > 27 {
                return Err(ConfigError::PinOutOfRange {
                    role: role.into(),
                    gpio,
                });
            }
            if let Some(&(first, _)) = pins[..i].iter().find(|(_, g)| *g == gpio) {
                return Err(ConfigError::PinUsedTwice {
                    gpio,
                    first: first.into(),
                    second: role.into(),
                });
            }
        }
        check_frequency("motor PWM frequency", m.pwm_frequency_hz, 1.0, 20_000.0)?;
        // The PCA9685 prescaler (3..=255) spans 24..1526 Hz.
        check_frequency(
            "servo PWM frequency",
            self.servos.pwm_frequency_hz,
            24.0,
            1526.0,
        )?;
        self.validate_joints()?;
        if !(1..=256).contains(&self.leds.count) {
            return Err(ConfigError::LedCount(self.leds.count));
        }
        if let Some(mac) = &self.ir.mac
            && parse_mac(mac).is_none()
        {
            return Err(ConfigError::IrMac(mac.clone()));
        }
        self.camera.validate()
    }

    fn validate_joints(&self) -> Result<(), ConfigError> {
        let s = &self.servos;
        let mut used = [false; 16];
        for joint in Joint::ALL {
            let j = s.joints.get(joint);
            let name = joint.as_str();
            let bad = |reason: String| ConfigError::JointLimits {
                joint: name.into(),
                reason,
            };
            match used.get_mut(usize::from(j.channel)) {
                Some(slot) if !*slot => *slot = true,
                _ => {
                    return Err(ConfigError::BadChannel {
                        joint: name.into(),
                        channel: j.channel,
                    });
                }
            }
            if !(0.0 <= j.min_deg && j.min_deg < j.max_deg && j.max_deg <= 180.0) {
                return Err(bad(format!(
                    "limits {}..{} are not inside 0..180",
                    j.min_deg, j.max_deg
                )));
            }
            if !(j.min_deg..=j.max_deg).contains(&j.home_deg) {
                return Err(bad(format!(
                    "home {} is outside {}..{}",
                    j.home_deg, j.min_deg, j.max_deg
                )));
            }
            let (lo, hi) = (angle_to_ticks(s, j.min_deg), angle_to_ticks(s, j.max_deg));
            if lo < f32::from(s.min_ticks) || hi > f32::from(s.max_ticks) {
                return Err(bad(format!(
                    "limits {}..{}° need {lo:.0}..{hi:.0} ticks, beyond the pulse range {}..{}",
                    j.min_deg, j.max_deg, s.min_ticks, s.max_ticks
                )));
            }
        }
        Ok(())
    }
}

/// The OV5647's full frame: a larger size is not a camera mode.
const CAMERA_MAX: (u32, u32) = (2592, 1944);
/// Below this a base's QR code cannot be told apart from noise.
const CAMERA_MIN_SIDE: u32 = 64;
const CAMERA_MAX_TIMEOUT_MS: u64 = 60_000;

impl CameraConfig {
    /// Checked even when disabled, so a mistake shows before the day it is turned on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key, reason: String| Err(ConfigError::Camera { key, reason });
        if self.commands.is_empty() || self.commands.iter().any(|c| c.trim().is_empty()) {
            return bad(
                "commands",
                "must name at least one program, none empty".into(),
            );
        }
        for (key, value, max) in [
            ("width", self.width, CAMERA_MAX.0),
            ("height", self.height, CAMERA_MAX.1),
        ] {
            // rpicam-still refuses odd sizes for YUV420 ("both width and height must be even").
            if !(CAMERA_MIN_SIDE..=max).contains(&value) || value % 2 == 1 {
                return bad(
                    key,
                    format!("= {value}: must be even, in {CAMERA_MIN_SIDE}..={max}"),
                );
            }
        }
        if self.settle_ms == 0 {
            return bad("settle_ms", "= 0: rpicam-still -t 0 never captures".into());
        }
        if self.timeout_ms <= self.settle_ms || self.timeout_ms > CAMERA_MAX_TIMEOUT_MS {
            return bad(
                "timeout_ms",
                format!(
                    "= {}: must be above settle_ms ({}) and at most {CAMERA_MAX_TIMEOUT_MS}",
                    self.timeout_ms, self.settle_ms
                ),
            );
        }
        Ok(())
    }
}

fn check_frequency(what: &'static str, value: f64, min: f64, max: f64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::Frequency {
            what,
            value,
            min,
            max,
        })
    }
}
