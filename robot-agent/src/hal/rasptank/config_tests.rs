//! Tests of [`RasptankConfig`]: V1 defaults, partial TOML files, and refused configurations.

use super::config::*;
use super::validate::ConfigError;

#[test]
fn the_default_config_is_the_v1_pin_map_and_passes_its_own_checks() {
    let c = RasptankConfig::default();
    c.validate().unwrap();
    assert_eq!(
        (
            c.motors.right.enable,
            c.motors.right.in1,
            c.motors.right.in2
        ),
        (4, 14, 15)
    );
    assert_eq!(
        (c.motors.left.enable, c.motors.left.in1, c.motors.left.in2),
        (17, 27, 18)
    );
    assert_eq!(c.motors.pwm_frequency_hz, 1000.0);
    assert_eq!((c.line.left, c.line.middle, c.line.right), (20, 16, 19));
    assert_eq!((c.servos.i2c_bus, c.servos.address), (1, 0x40));
    let channels = [
        c.servos.joints.camera_tilt,
        c.servos.joints.arm,
        c.servos.joints.forearm,
    ];
    assert_eq!(channels.map(|j| j.channel), [11, 12, 13]);
    assert_eq!(
        (c.servos.joints.wrist.channel, c.servos.joints.claw.channel),
        (14, 15)
    );
    assert_eq!(c.leds.driver, LedDriver::None);
}

#[test]
fn an_empty_file_is_the_v1_config() {
    assert_eq!(
        RasptankConfig::from_toml_str("").unwrap(),
        RasptankConfig::default()
    );
}

#[test]
fn a_partial_toml_overrides_only_what_it_names() {
    let c = RasptankConfig::from_toml_str(
        "[line]\nleft = 22\nmiddle = 27\nright = 17\n\n[motors.left]\nenable = 5\nin1 = 6\nin2 = 13\n",
    );
    // V4 line pins collide with the V1 motor pins, so the motors must move too; the checker
    // sees the whole merged config.
    let c = c.unwrap();
    let mut expected = RasptankConfig::default();
    expected.line.left = 22;
    expected.line.middle = 27;
    expected.line.right = 17;
    expected.motors.left = MotorConfig {
        enable: 5,
        in1: 6,
        in2: 13,
        inverted: false,
    };
    assert_eq!(c, expected);
}

#[test]
fn v4_line_pins_alone_are_refused_because_they_collide_with_the_v1_motor_pins() {
    let error =
        RasptankConfig::from_toml_str("[line]\nleft = 22\nmiddle = 27\nright = 17\n").unwrap_err();
    assert_eq!(
        error,
        ConfigError::PinUsedTwice {
            gpio: 27,
            first: "left motor in1".into(),
            second: "middle line sensor".into()
        }
    );
}

#[test]
fn one_field_of_one_motor_or_joint_keeps_the_rest_of_its_defaults() {
    let c = RasptankConfig::from_toml_str(
        "[motors.left]\ninverted = true\n[servos.joints.claw]\nmax_deg = 120\n[leds]\ndriver = \"spi\"\n",
    )
    .unwrap();
    assert_eq!(
        c.motors.left,
        MotorConfig {
            enable: 17,
            in1: 27,
            in2: 18,
            inverted: true
        }
    );
    assert_eq!(c.motors.right, RasptankConfig::default().motors.right);
    let claw = c.servos.joints.claw;
    assert_eq!(
        (claw.channel, claw.min_deg, claw.max_deg, claw.home_deg),
        (15, 5.0, 120.0, 90.0)
    );
    assert_eq!(
        c.leds,
        LedsConfig {
            driver: LedDriver::Spi,
            ..LedsConfig::default()
        }
    );
}

#[test]
fn a_misspelled_key_is_refused_rather_than_ignored() {
    let error = RasptankConfig::from_toml_str("[motors.left]\ninvertd = true\n").unwrap_err();
    assert!(
        matches!(error, ConfigError::Toml(ref m) if m.contains("invertd")),
        "{error}"
    );
}

#[test]
fn joint_limits_beyond_the_pulse_range_are_refused() {
    let error = RasptankConfig::from_toml_str("[servos.joints.arm]\nmin_deg = 0\n").unwrap_err();
    assert!(
        matches!(error, ConfigError::JointLimits { ref joint, .. } if joint == "arm"),
        "{error}"
    );
}

#[test]
fn two_joints_on_one_channel_are_refused() {
    let error = RasptankConfig::from_toml_str("[servos.joints.claw]\nchannel = 11\n").unwrap_err();
    assert_eq!(
        error,
        ConfigError::BadChannel {
            joint: "claw".into(),
            channel: 11
        }
    );
}

#[test]
fn a_pin_beyond_the_header_and_a_bad_frequency_are_refused() {
    let pin = RasptankConfig::from_toml_str("[line]\nright = 40\n").unwrap_err();
    assert!(matches!(pin, ConfigError::PinOutOfRange { gpio: 40, .. }));
    let freq = RasptankConfig::from_toml_str("[servos]\npwm_frequency_hz = 10.0\n").unwrap_err();
    assert!(matches!(freq, ConfigError::Frequency { .. }));
}

#[test]
fn the_effective_config_serializes_to_toml_that_reads_back_the_same() {
    let c = RasptankConfig::default();
    let text = toml::to_string(&c).unwrap();
    assert_eq!(RasptankConfig::from_toml_str(&text).unwrap(), c);
}

#[test]
fn a_pin_taken_by_the_i2c_or_spi_bus_is_refused() {
    let i2c = RasptankConfig::from_toml_str("[motors.left]\nin2 = 3\n").unwrap_err();
    assert!(
        matches!(i2c, ConfigError::PinUsedTwice { gpio: 3, ref second, .. } if second == "I2C1 SCL")
    );
    let spi = "[leds]\ndriver = \"spi\"\n[line]\nright = 10\n";
    let spi = RasptankConfig::from_toml_str(spi).unwrap_err();
    assert!(
        matches!(spi, ConfigError::PinUsedTwice { gpio: 10, ref second, .. } if second == "SPI0 MOSI")
    );
    // Without the SPI driver, GPIO 10 is free.
    RasptankConfig::from_toml_str("[line]\nright = 10\n").unwrap();
}

#[test]
fn the_camera_is_off_by_default_and_runs_rpicam_still_else_libcamera_still() {
    let c = RasptankConfig::default().camera;
    assert!(!c.enabled);
    assert_eq!(c.commands, ["rpicam-still", "libcamera-still"]);
    assert_eq!((c.width, c.height), (640, 480));
    assert_eq!((c.settle_ms, c.timeout_ms), (500, 5000));
    assert!(c.extra_args.is_empty());
}

#[test]
fn a_camera_section_overrides_only_what_it_names() {
    let c = RasptankConfig::from_toml_str(
        "[camera]\nenabled = true\nwidth = 1280\nheight = 960\nextra_args = [\"--camera\", \"1\"]\n",
    )
    .unwrap();
    assert_eq!(
        c.camera,
        CameraConfig {
            enabled: true,
            width: 1280,
            height: 960,
            extra_args: vec!["--camera".into(), "1".into()],
            ..CameraConfig::default()
        }
    );
}

#[test]
fn bad_camera_values_are_refused_naming_the_key() {
    let cases = [
        ("width = 641", "width"),
        ("width = 8", "width"),
        ("height = 4000", "height"),
        ("settle_ms = 0", "settle_ms"),
        ("timeout_ms = 400", "timeout_ms"),
        ("timeout_ms = 120000", "timeout_ms"),
        ("commands = []", "commands"),
        ("commands = [\"rpicam-still\", \" \"]", "commands"),
    ];
    for (line, key) in cases {
        let error = RasptankConfig::from_toml_str(&format!("[camera]\n{line}\n")).unwrap_err();
        assert!(
            matches!(error, ConfigError::Camera { key: k, .. } if k == key),
            "{line}: {error}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("[rasptank.camera] {key} ")),
            "{line}: {error}"
        );
    }
    let typo = RasptankConfig::from_toml_str("[camera]\ntimeout = 100\n").unwrap_err();
    assert!(
        matches!(typo, ConfigError::Toml(ref m) if m.contains("timeout")),
        "{typo}"
    );
}
