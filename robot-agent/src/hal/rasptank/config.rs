//! Every pin, channel, polarity and limit of the RaspTank backend, as a serde config.
//!
//! `Default` is the original Adeept RaspTank ("V1", Adeept Motor HAT); every table and field is
//! optional, so a robot's TOML names only what differs (see `docs/rasptank.md` for V4).
//! Sources are cited as `adeept/Adeept_RaspTank@298c488 server/<file>` (the 2023-12-14 tree).

use fleet_protocol::Joint;
use serde::{Deserialize, Serialize};

/// The whole backend configuration; each field falls back to its V1 default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RasptankConfig {
    pub motors: MotorsConfig,
    pub servos: ServosConfig,
    pub line: LineConfig,
    pub leds: LedsConfig,
    pub ir: IrConfig,
    pub camera: CameraConfig,
}

/// Which way the rest state of a motor goes when its output is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopMode {
    /// Both direction pins low and no PWM: the motor freewheels (Adeept's `motorStop`).
    #[default]
    Coast,
    /// Both direction pins high with the enable on: the H-bridge shorts the motor.
    Brake,
}

/// The two track motors, each an H-bridge channel: an enable pin carrying PWM and two
/// direction pins (`move.py`: `Motor_A_EN = 4`, `Motor_A_Pin1 = 14`, ...; `GPIO.PWM(.., 1000)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MotorsPatch")]
pub struct MotorsConfig {
    /// Software PWM frequency on the enable pins (move.py: 1000 Hz).
    pub pwm_frequency_hz: f64,
    pub stop: StopMode,
    /// Motor B on the HAT (move.py: `Motor_B_EN = 17`, `Motor_B_Pin1 = 27`, `Motor_B_Pin2 = 18`).
    pub left: MotorConfig,
    /// Motor A on the HAT (move.py: `Motor_A_EN = 4`, `Motor_A_Pin1 = 14`, `Motor_A_Pin2 = 15`).
    pub right: MotorConfig,
}

/// One H-bridge channel. Not inverted, a positive output drives `in1` high and `in2` low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MotorConfig {
    pub enable: u8,
    pub in1: u8,
    pub in2: u8,
    /// Swap the direction pins. The defaults follow move.py after Adeept's 2023 commit
    /// e860935 "Swapping Forward - Backward": forward is Pin1 high on the left motor and
    /// Pin2 high on the right. Robots that drive backwards on "forward" flip both.
    pub inverted: bool,
}

impl Default for MotorsConfig {
    fn default() -> Self {
        Self {
            pwm_frequency_hz: 1000.0,
            stop: StopMode::Coast,
            left: MotorConfig {
                enable: 17,
                in1: 27,
                in2: 18,
                inverted: false,
            },
            right: MotorConfig {
                enable: 4,
                in1: 14,
                in2: 15,
                inverted: true,
            },
        }
    }
}

/// The PCA9685 servo board and the arm's joints (`RPIservo.py`: `PCA9685(address=0x40,
/// busnum=1)`, `set_pwm_freq(50)`, pulses `minPos 100`..`maxPos 520` ticks, `initPos 300`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServosConfig {
    pub i2c_bus: u8,
    pub address: u8,
    pub pwm_frequency_hz: f64,
    /// Ticks (of 4096 per period) at 90°; Adeept assembles the arm with every servo here.
    pub centre_ticks: u16,
    /// Ticks spanned by 180°; RPIservo.py's `pwmGenOut` uses (520 - 100) per 180°.
    pub ticks_per_180_deg: u16,
    /// The pulse range the servos accept; joint limits must map inside it.
    pub min_ticks: u16,
    pub max_ticks: u16,
    pub joints: JointsConfig,
}

impl Default for ServosConfig {
    fn default() -> Self {
        Self {
            i2c_bus: 1,
            address: 0x40,
            pwm_frequency_hz: 50.0,
            centre_ticks: 300,
            ticks_per_180_deg: 420,
            min_ticks: 100,
            max_ticks: 520,
            joints: JointsConfig::default(),
        }
    }
}

/// One servo: its PCA9685 channel, the angles it accepts, and where it goes at start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JointConfig {
    pub channel: u8,
    pub min_deg: f32,
    pub max_deg: f32,
    /// Driven at start, as webServer.py's `scGear.moveInit()` drives every channel to 300.
    pub home_deg: f32,
}

/// Channels from webServer.py's commands: 11 up/down (camera tilt), 12 arm up/down, 13 hand
/// up/down (forearm), 14 look left/right (wrist), 15 grab/loose (claw). The default limits
/// are 5..180°: with centre 300 and 420 ticks per 180°, 4.3° is already at the 100-tick floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "JointsPatch")]
pub struct JointsConfig {
    pub camera_tilt: JointConfig,
    pub arm: JointConfig,
    pub forearm: JointConfig,
    pub wrist: JointConfig,
    pub claw: JointConfig,
}

impl JointsConfig {
    pub fn get(&self, joint: Joint) -> &JointConfig {
        match joint {
            Joint::CameraTilt => &self.camera_tilt,
            Joint::Arm => &self.arm,
            Joint::Forearm => &self.forearm,
            Joint::Wrist => &self.wrist,
            Joint::Claw => &self.claw,
        }
    }
}

impl Default for JointsConfig {
    fn default() -> Self {
        let joint = |channel| JointConfig {
            channel,
            min_deg: 5.0,
            max_deg: 180.0,
            home_deg: 90.0,
        };
        Self {
            camera_tilt: joint(11),
            arm: joint(12),
            forearm: joint(13),
            wrist: joint(14),
            claw: joint(15),
        }
    }
}

/// The level a line sensor outputs while it sees the (black) line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    High,
    Low,
}

/// The three line-tracking sensors (`findline.py`: `line_pin_left = 20`, `line_pin_middle =
/// 16`, `line_pin_right = 19`; `status == 1` is treated as on the line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LineConfig {
    pub left: u8,
    pub middle: u8,
    pub right: u8,
    /// Each sensor has a sensitivity potentiometer, so some boards read low on black.
    pub on_line_level: Level,
}

impl Default for LineConfig {
    fn default() -> Self {
        Self {
            left: 20,
            middle: 16,
            right: 19,
            on_line_level: Level::High,
        }
    }
}

/// How the WS2812 strip is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedDriver {
    /// Not driven. The V1 wires the strip to GPIO 12 (robotLight.py: `LED_PIN = 12`, DMA
    /// through rpi_ws281x), which this backend does not drive.
    #[default]
    None,
    /// The data line on the SPI bus's MOSI (GPIO 10 for SPI0), as on the V4.
    Spi,
}

/// The WS2812 strip (robotLight.py: `LED_COUNT = 16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedsConfig {
    pub driver: LedDriver,
    pub count: u16,
    pub spi_bus: u8,
    pub slave_select: u8,
}

impl Default for LedsConfig {
    fn default() -> Self {
        Self {
            driver: LedDriver::None,
            count: 16,
            spi_bus: 0,
            slave_select: 0,
        }
    }
}

/// The course's IR add-on (its `InfraLib.py`): an IR LED on BCM 23 driven by the kernel's
/// `gpio-ir-tx` overlay through a LIRC device, and a demodulating receiver on BCM 22 read by
/// edge interrupts. Off by default: the stock RaspTank has neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IrConfig {
    pub enabled: bool,
    /// The LIRC transmitter of `dtoverlay=gpio-ir-tx,gpio_pin=23`.
    pub tx_device: String,
    /// The pin the overlay drives: the kernel owns it, so it is only checked against the others.
    pub tx_gpio: u8,
    /// The receiver's output pin (InfraLib: physical pin 15 = BCM 22).
    pub rx_gpio: u8,
    /// The receiver's output level while it sees the carrier: low for the usual demodulating
    /// receivers (TSOP38238, VS1838B).
    pub rx_mark_level: Level,
    /// The MAC every shot carries, `dc:a6:32:bf:91:cc` or `0xdca632bf91cc`. Unset, the agent
    /// takes its robot id when that is course-style (`0x` + 12 hex digits), else the address
    /// of `mac_interface`: the game master names the shooter by it, so it must be the id the
    /// robot plays under.
    pub mac: Option<String>,
    /// Where an unset `mac` is read from: `/sys/class/net/<mac_interface>/address`.
    pub mac_interface: String,
}

impl Default for IrConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            tx_device: super::ir_lirc::DEFAULT_DEVICE.to_owned(),
            tx_gpio: 23,
            rx_gpio: 22,
            rx_mark_level: Level::Low,
            mac: None,
            mac_interface: "wlan0".to_owned(),
        }
    }
}

/// The Pi camera (CSI, OV5647 on the RaspTank) reading a base's QR code in game mode, through
/// the Raspberry Pi OS camera tool: one raw YUV420 frame on its stdout per scan, of which only
/// the luma plane is kept (see `camera.rs`). Off by default, like the IR add-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    pub enabled: bool,
    /// Tried in order at start, on the `PATH` unless a path: the first one found runs every
    /// scan. `rpicam-still` since Bookworm; `libcamera-still` on Bullseye, same flags.
    pub commands: Vec<String>,
    pub width: u32,
    pub height: u32,
    /// The tool's preview time before its capture (`-t`), for exposure and white balance to
    /// settle. Never 0: `-t 0` makes rpicam-still wait forever.
    pub settle_ms: u64,
    /// A scan that has no frame by then is killed and reported as failed, so a hung camera
    /// never holds the player longer than this.
    pub timeout_ms: u64,
    /// Appended to the tool's arguments (`["--shutter", "8000"]`, `["--camera", "1"]`).
    pub extra_args: Vec<String>,
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            commands: vec!["rpicam-still".to_owned(), "libcamera-still".to_owned()],
            width: 640,
            height: 480,
            settle_ms: 500,
            timeout_ms: 5000,
            extra_args: Vec::new(),
        }
    }
}

// Nested tables whose defaults differ per entry (left vs right motor, one channel per joint)
// are read as patches over the V1 defaults, so `[motors.left] inverted = true` keeps pin 17.

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MotorsPatch {
    pwm_frequency_hz: Option<f64>,
    stop: Option<StopMode>,
    left: MotorPatch,
    right: MotorPatch,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MotorPatch {
    enable: Option<u8>,
    in1: Option<u8>,
    in2: Option<u8>,
    inverted: Option<bool>,
}

impl MotorPatch {
    fn over(self, base: MotorConfig) -> MotorConfig {
        MotorConfig {
            enable: self.enable.unwrap_or(base.enable),
            in1: self.in1.unwrap_or(base.in1),
            in2: self.in2.unwrap_or(base.in2),
            inverted: self.inverted.unwrap_or(base.inverted),
        }
    }
}

impl From<MotorsPatch> for MotorsConfig {
    fn from(p: MotorsPatch) -> Self {
        let base = Self::default();
        Self {
            pwm_frequency_hz: p.pwm_frequency_hz.unwrap_or(base.pwm_frequency_hz),
            stop: p.stop.unwrap_or(base.stop),
            left: p.left.over(base.left),
            right: p.right.over(base.right),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct JointsPatch {
    camera_tilt: JointPatch,
    arm: JointPatch,
    forearm: JointPatch,
    wrist: JointPatch,
    claw: JointPatch,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct JointPatch {
    channel: Option<u8>,
    min_deg: Option<f32>,
    max_deg: Option<f32>,
    home_deg: Option<f32>,
}

impl JointPatch {
    fn over(self, base: JointConfig) -> JointConfig {
        JointConfig {
            channel: self.channel.unwrap_or(base.channel),
            min_deg: self.min_deg.unwrap_or(base.min_deg),
            max_deg: self.max_deg.unwrap_or(base.max_deg),
            home_deg: self.home_deg.unwrap_or(base.home_deg),
        }
    }
}

impl From<JointsPatch> for JointsConfig {
    fn from(p: JointsPatch) -> Self {
        let base = Self::default();
        Self {
            camera_tilt: p.camera_tilt.over(base.camera_tilt),
            arm: p.arm.over(base.arm),
            forearm: p.forearm.over(base.forearm),
            wrist: p.wrist.over(base.wrist),
            claw: p.claw.over(base.claw),
        }
    }
}
