//! Tests of the spawned simulator: the hardware traits over a running physics task.

use std::f64::consts::FRAC_PI_2;
use std::time::Duration;

use fleet_protocol::{Backend, Capability, Joint, LineSensor, MotorOutput, Pose};

use super::{JointLimits, SimConfig, spawn};
use crate::hal::{HalError, Rgb};

/// Facing up the floor, 10 cm below the oval's bottom straight (tape at y = 0.19..0.21).
fn below_the_bottom_straight() -> SimConfig {
    SimConfig {
        start: Some(Pose {
            x: 1.5,
            y: 0.10,
            heading: FRAC_PI_2,
        }),
        time_scale: 2.0,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn setting_the_motors_moves_the_robot_and_crossing_the_line_broadcasts_edges() {
    let (mut hardware, sim) = spawn(below_the_bottom_straight());
    let mut edges = hardware.line.edges();
    assert!(!hardware.line.read().any());
    hardware
        .motors
        .set(MotorOutput {
            left: 0.5,
            right: 0.5,
        })
        .unwrap();

    // The sensor row lies along the tape, so all three sensors reach it in the same step.
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let edge = tokio::time::timeout(Duration::from_secs(5), edges.recv())
            .await
            .expect("an edge within 5 s")
            .expect("edge channel open");
        seen.push(edge);
    }
    let sensors: Vec<_> = seen.iter().map(|e| e.sensor).collect();
    assert_eq!(
        sensors,
        [LineSensor::Left, LineSensor::Middle, LineSensor::Right]
    );
    assert!(seen.iter().all(|e| e.on_line));
    assert!(seen[2].reading.left && seen[2].reading.middle && seen[2].reading.right);

    hardware.motors.stop().unwrap();
    let pose = hardware
        .pose
        .as_ref()
        .expect("the simulator knows its pose")
        .pose();
    // The sensors are 6 cm ahead and the tape's near edge is at y = 0.19, so the robot's
    // centre has passed y = 0.13, straight up.
    assert!(pose.y > 0.19 - 0.06, "{pose:?}");
    assert!((pose.x - 1.5).abs() < 1e-9);
    assert!(sim.distance_travelled() > 0.02);
    assert_eq!(sim.motors(), MotorOutput::default());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_simulator_announces_itself_and_refuses_out_of_range_outputs() {
    let config = SimConfig {
        servo_limits: SimConfig::default().servo_limits.with(
            Joint::Claw,
            JointLimits {
                min: 10.0,
                max: 170.0,
            },
        ),
        ..SimConfig::default()
    };
    let (mut hardware, sim) = spawn(config);
    assert_eq!(hardware.info.backend, Backend::Sim);
    assert!(hardware.info.capabilities.contains(&Capability::Pose));

    let err = hardware.servos.set_angle(Joint::Arm, 200.0).unwrap_err();
    assert_eq!(err.to_string(), "servo angle 200 out of range 0..180");
    let err = hardware.servos.set_angle(Joint::Claw, 5.0).unwrap_err();
    assert_eq!(err.to_string(), "servo angle 5 out of range 10..170");
    assert_eq!(
        hardware.servos.angles().claw,
        90.0,
        "refused angles change nothing"
    );
    hardware.servos.set_angle(Joint::Claw, 120.0).unwrap();
    assert_eq!(hardware.servos.angles().claw, 120.0);

    let err = hardware
        .motors
        .set(MotorOutput {
            left: 1.5,
            right: 0.0,
        })
        .unwrap_err();
    assert!(
        matches!(err, HalError::OutOfRange { value: 1.5, .. }),
        "{err}"
    );
    assert_eq!(hardware.motors.output(), MotorOutput::default());

    let red = Rgb { r: 255, g: 0, b: 0 };
    hardware.leds.set_all(red).unwrap();
    assert_eq!(sim.leds(), red);
}

#[tokio::test]
async fn dropping_the_handle_stops_the_physics() {
    let (mut hardware, sim) = spawn(SimConfig::default());
    hardware
        .motors
        .set(MotorOutput {
            left: 1.0,
            right: 1.0,
        })
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let pose = hardware.pose.as_ref().unwrap();
    let start = SimConfig::default().map.start();
    assert!(pose.pose().x > start.x, "moving while the handle lives");
    drop(sim);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let frozen = pose.pose();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(pose.pose(), frozen);
}
