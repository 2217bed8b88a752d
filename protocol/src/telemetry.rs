//! `robots/{id}/telemetry`: the periodic sample (10 Hz by default), QoS 0.

use serde::{Deserialize, Serialize};

use crate::{Joint, PROTOCOL_VERSION, Versioned};

/// The three line-tracking sensors; `true` means the sensor sees the black line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineReading {
    pub left: bool,
    pub middle: bool,
    pub right: bool,
}

impl LineReading {
    pub fn any(&self) -> bool {
        self.left || self.middle || self.right
    }
}

/// Track motor outputs, -1.0 (full reverse) ..= 1.0 (full forward).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MotorOutput {
    pub left: f32,
    pub right: f32,
}

/// Servo angles in degrees, one per joint of the RaspTank arm and camera.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServoAngles {
    pub camera_tilt: f32,
    pub arm: f32,
    pub forearm: f32,
    pub wrist: f32,
    pub claw: f32,
}

impl ServoAngles {
    /// The angle of one joint, to read or set (each backend keeps its angles in this shape).
    pub fn joint_mut(&mut self, joint: Joint) -> &mut f32 {
        match joint {
            Joint::CameraTilt => &mut self.camera_tilt,
            Joint::Arm => &mut self.arm,
            Joint::Forearm => &mut self.forearm,
            Joint::Wrist => &mut self.wrist,
            Joint::Claw => &mut self.claw,
        }
    }
}

/// Position on the floor map, metres and radians (counter-clockwise from +x). Simulator only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pose {
    pub x: f64,
    pub y: f64,
    pub heading: f64,
}

/// The colour the robot last set all its LEDs to (the last `led` command it executed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LedColour {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

/// What the agent is doing right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RobotMode {
    #[default]
    Idle,
    /// Driven by remote commands (the dead-man timer is armed).
    Driving,
    /// The on-robot line-following behaviour has the motors.
    LineFollow,
    /// Emergency-stopped: drive commands are refused until a release.
    Estopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Telemetry {
    pub v: u32,
    /// Increases by one per sample, so a receiver can count gaps.
    pub seq: u64,
    pub ts_ms: u64,
    pub mode: RobotMode,
    pub line: LineReading,
    pub motors: MotorOutput,
    pub servos: ServoAngles,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_v: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pose: Option<Pose>,
    /// Absent until the robot has executed an `led` command (the LEDs cannot be read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leds: Option<LedColour>,
}

impl Telemetry {
    pub fn new(seq: u64, ts_ms: u64) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            seq,
            ts_ms,
            mode: RobotMode::Idle,
            line: LineReading::default(),
            motors: MotorOutput::default(),
            servos: ServoAngles::default(),
            battery_v: None,
            pose: None,
            leds: None,
        }
    }
}

impl Versioned for Telemetry {
    fn version(&self) -> u32 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::assert_round_trip;

    #[test]
    fn a_full_sample_round_trips_and_stays_small() {
        let mut t = Telemetry::new(42, 1_700_000_000_000);
        t.mode = RobotMode::LineFollow;
        t.line.middle = true;
        t.motors = MotorOutput {
            left: 0.5,
            right: -0.25,
        };
        t.battery_v = Some(7.4);
        t.pose = Some(Pose {
            x: 1.0,
            y: 2.0,
            heading: 0.5,
        });
        t.leds = Some(LedColour {
            r: 255,
            g: 16,
            b: 0,
        });
        assert_round_trip(&t);
        assert!(crate::encode(&t).len() < 400);
    }

    #[test]
    fn each_joint_sets_its_own_angle_and_no_other() {
        for (i, joint) in Joint::ALL.into_iter().enumerate() {
            let mut angles = ServoAngles::default();
            *angles.joint_mut(joint) = 10.0 + i as f32;
            let all = [
                angles.camera_tilt,
                angles.arm,
                angles.forearm,
                angles.wrist,
                angles.claw,
            ];
            let set: Vec<usize> = (0..5).filter(|&k| all[k] != 0.0).collect();
            assert_eq!(set, [i], "{joint:?}");
            assert_eq!(all[i], 10.0 + i as f32);
        }
    }
}
