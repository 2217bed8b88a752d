//! Turning a drive command (speed, turn) into the two track outputs.

use fleet_protocol::MotorOutput;

/// Differential mix: `turn` > 0 turns right (left track faster). When a track would exceed
/// full power both are scaled down together, so the curve the driver asked for is kept
/// instead of flattening into a wider one.
pub fn mix(speed: f32, turn: f32) -> MotorOutput {
    let speed = clamp_unit(speed);
    let turn = clamp_unit(turn);
    let (left, right) = (speed + turn, speed - turn);
    let peak = left.abs().max(right.abs());
    let scale = if peak > 1.0 { 1.0 / peak } else { 1.0 };
    MotorOutput {
        left: left * scale,
        right: right * scale,
    }
}

/// Clamps to -1..=1, mapping NaN to 0 so a bad value can never drive a motor.
fn clamp_unit(x: f32) -> f32 {
    if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) }
}

pub fn is_still(output: MotorOutput) -> bool {
    output.left == 0.0 && output.right == 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(left: f32, right: f32) -> MotorOutput {
        MotorOutput { left, right }
    }

    #[test]
    fn straight_spin_and_curve_mix_as_expected() {
        assert_eq!(mix(0.5, 0.0), out(0.5, 0.5));
        assert_eq!(mix(0.0, 1.0), out(1.0, -1.0));
        assert_eq!(mix(-0.5, 0.25), out(-0.25, -0.75));
    }

    #[test]
    fn outputs_never_exceed_full_power_and_keep_the_curve() {
        let m = mix(1.0, 0.5);
        assert_eq!(m, out(1.0, 0.5 / 1.5));
        for (s, t) in [(1.0, 1.0), (-1.0, -1.0), (5.0, -7.0), (f32::NAN, 0.3)] {
            let m = mix(s, t);
            assert!(
                m.left.abs() <= 1.0 && m.right.abs() <= 1.0,
                "{s},{t} -> {m:?}"
            );
            assert!(m.left.is_finite() && m.right.is_finite());
        }
    }
}
