//! The arm and camera servos on the PCA9685: degrees to pulse ticks, refused outside limits.
//!
//! Mapping (decided to match how Adeept assembles the arm): 90° is `centre_ticks` (300, the
//! pulse every servo holds when the horns are fitted), and each degree is `ticks_per_180_deg`
//! / 180 ticks (420/180, RPIservo.py's `pwmGenOut`), so 5° = 102 ticks and 180° = 510 ticks.

use fleet_protocol::{Joint, ServoAngles};

use super::config::ServosConfig;
use super::io::I2cBus;
use super::pca9685::Pca9685;
use crate::hal::{HalError, Servos};

/// Unrounded pulse length in ticks for `degrees` (the config check uses it to test limits).
pub fn angle_to_ticks(config: &ServosConfig, degrees: f32) -> f32 {
    let per_degree = f32::from(config.ticks_per_180_deg) / 180.0;
    f32::from(config.centre_ticks) + (degrees - 90.0) * per_degree
}

pub struct PcaServos<B> {
    chip: Pca9685<B>,
    config: ServosConfig,
    angles: ServoAngles,
}

impl<B: I2cBus> PcaServos<B> {
    /// Initialises the chip and drives every joint to its home angle, as Adeept's webServer.py
    /// does at start (`scGear.moveInit()`), so [`Servos::angles`] is true from the first call.
    /// `config` must have passed [`super::RasptankConfig::validate`].
    pub fn start(bus: B, config: ServosConfig) -> Result<Self, HalError> {
        let mut chip = Pca9685::new(bus, config.address);
        chip.init(config.pwm_frequency_hz)?;
        let mut servos = Self {
            chip,
            config,
            angles: ServoAngles::default(),
        };
        for joint in Joint::ALL {
            let home = servos.config.joints.get(joint).home_deg;
            servos.set_angle(joint, home)?;
        }
        Ok(servos)
    }
}

impl<B: I2cBus> Servos for PcaServos<B> {
    fn set_angle(&mut self, joint: Joint, degrees: f32) -> Result<(), HalError> {
        let limits = self.config.joints.get(joint);
        // Refused, not clamped: a student asking for 200° should learn the limit, and a clamp
        // would report an angle the servo never reached.
        HalError::check_range(degrees, limits.min_deg, limits.max_deg, || {
            format!("servo {} angle", joint.as_str())
        })?;
        let ticks = angle_to_ticks(&self.config, degrees).round() as u16;
        self.chip.set_pulse(limits.channel, ticks)?;
        *self.angles.joint_mut(joint) = degrees;
        Ok(())
    }

    fn angles(&self) -> ServoAngles {
        self.angles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::rasptank::fake::{Log, Op};

    fn started(config: ServosConfig) -> (PcaServos<crate::hal::rasptank::fake::FakeI2c>, Log) {
        let log = Log::default();
        let servos = PcaServos::start(log.i2c(1), config).unwrap();
        log.take();
        (servos, log)
    }

    #[test]
    fn the_claw_at_90_degrees_writes_300_ticks_to_the_channel_15_registers() {
        let (mut servos, log) = started(ServosConfig::default());
        servos.set_angle(Joint::Claw, 90.0).unwrap();
        assert_eq!(
            log.take(),
            [Op::I2c(1, 0x40, vec![0x42, 0x00, 0x00, 0x2C, 0x01])]
        );
        assert_eq!(servos.angles().claw, 90.0);
    }

    #[test]
    fn angles_map_linearly_on_adeepts_scale_around_300_ticks() {
        let (mut servos, log) = started(ServosConfig::default());
        let mut ticks = Vec::new();
        for degrees in [5.0, 45.0, 135.0, 180.0] {
            servos.set_angle(Joint::CameraTilt, degrees).unwrap();
            match log.take().as_slice() {
                [Op::I2c(1, 0x40, bytes)] if bytes[0] == 0x06 + 4 * 11 => {
                    ticks.push(u16::from_le_bytes([bytes[3], bytes[4]]));
                }
                other => panic!("expected one write to channel 11, got {other:?}"),
            }
        }
        assert_eq!(ticks, [102, 195, 405, 510]);
    }

    #[test]
    fn an_angle_outside_the_joint_limits_is_refused_and_nothing_is_written() {
        let (mut servos, log) = started(ServosConfig::default());
        let before = servos.angles();
        let error = servos.set_angle(Joint::Claw, 200.0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "servo claw angle 200 out of range 5..180"
        );
        assert!(servos.set_angle(Joint::Arm, 0.0).is_err());
        assert!(servos.set_angle(Joint::Arm, f32::NAN).is_err());
        assert!(log.take().is_empty());
        assert_eq!(servos.angles(), before);
    }

    #[test]
    fn a_narrowed_joint_refuses_angles_the_protocol_would_allow() {
        let mut config = ServosConfig::default();
        config.joints.claw.max_deg = 120.0;
        let (mut servos, log) = started(config);
        assert!(servos.set_angle(Joint::Claw, 130.0).is_err());
        servos.set_angle(Joint::Claw, 120.0).unwrap();
        assert_eq!(log.take().len(), 1);
    }

    #[test]
    fn starting_inits_the_chip_then_homes_every_joint_to_300_ticks() {
        let log = Log::default();
        let servos = PcaServos::start(log.i2c(1), ServosConfig::default()).unwrap();
        let ops = log.take();
        assert_eq!(ops[1], Op::I2c(1, 0x40, vec![0xFE, 121]));
        let homes: Vec<_> = ops[5..].to_vec();
        let expected: Vec<_> = (11u8..=15)
            .map(|ch| Op::I2c(1, 0x40, vec![0x06 + 4 * ch, 0x00, 0x00, 0x2C, 0x01]))
            .collect();
        assert_eq!(homes, expected);
        let a = servos.angles();
        assert_eq!(
            [a.camera_tilt, a.arm, a.forearm, a.wrist, a.claw],
            [90.0; 5]
        );
    }
}
