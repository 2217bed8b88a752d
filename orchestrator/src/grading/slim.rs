//! The slim decode of a telemetry payload: only the fields grading reads (sequence number,
//! mode, line sensors, motors, pose), straight from the bytes into a [`Sample`]. The fields it
//! does not read (clock, servos, battery, LEDs) are skipped without converting their numbers;
//! the ones a full decode requires must still be present, and the size and protocol version
//! are checked as [`fleet_protocol::decode`] does, so a payload the full decode refuses is
//! refused here too (its only lost detail: the value of a field grading never reads). A
//! payload in the agent's own layout (nearly all) is read by [`super::agent_layout`]'s
//! cursor, twice as fast and to the same values; any other through serde.

use fleet_protocol::{
    LineReading, MAX_PAYLOAD_BYTES, MotorOutput, PROTOCOL_VERSION, Pose, ProtocolError, RobotMode,
};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::agent_layout::{self, AgentTelemetry};
use super::run::Sample;

/// `Telemetry` as grading sees it. Unknown fields are ignored, as by `Telemetry` itself.
#[derive(Deserialize)]
struct SlimTelemetry {
    v: u32,
    seq: u64,
    // Required by `Telemetry`: a sample without them is malformed, whatever grading reads.
    #[serde(rename = "ts_ms")]
    _ts_ms: IgnoredAny,
    mode: RobotMode,
    line: LineReading,
    motors: MotorOutput,
    #[serde(rename = "servos")]
    _servos: IgnoredAny,
    #[serde(default)]
    pose: Option<Pose>,
}

/// Decodes the fields of a telemetry payload grading reads, received at `at_ms`: by the fast
/// path when the payload has the agent's own layout (nearly every one), else by serde.
pub fn sample(payload: &[u8], at_ms: i64) -> Result<Sample, ProtocolError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(ProtocolError::PayloadTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    let t = match agent_layout::read(payload) {
        Some(t) => t,
        None => by_serde(payload)?,
    };
    if t.v != PROTOCOL_VERSION {
        return Err(ProtocolError::Version {
            got: t.v,
            expected: PROTOCOL_VERSION,
        });
    }
    Ok(Sample {
        at_ms,
        seq: t.seq,
        mode: t.mode,
        line: t.line,
        motors: t.motors,
        pose: t.pose,
    })
}

/// The fields grading reads, through serde (any layout).
pub(super) fn by_serde(payload: &[u8]) -> Result<AgentTelemetry, ProtocolError> {
    let t: SlimTelemetry =
        serde_json::from_slice(payload).map_err(|e| ProtocolError::Json(e.to_string()))?;
    Ok(AgentTelemetry {
        v: t.v,
        seq: t.seq,
        mode: t.mode,
        line: t.line,
        motors: t.motors,
        pose: t.pose,
    })
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{Telemetry, decode, encode};

    use super::*;

    fn full(payload: &[u8], at_ms: i64) -> Result<Sample, ProtocolError> {
        decode::<Telemetry>(payload).map(|t| Sample {
            at_ms,
            seq: t.seq,
            mode: t.mode,
            line: t.line,
            motors: t.motors,
            pose: t.pose,
        })
    }

    #[test]
    fn the_slim_decode_reads_what_the_full_decode_reads() {
        let mut t = Telemetry::new(42, 1_000);
        t.mode = RobotMode::LineFollow;
        t.line.middle = true;
        t.motors.left = 0.37;
        t.motors.right = -0.1;
        t.servos.arm = 12.5;
        t.battery_v = Some(7.4);
        let without_pose = encode(&t);
        t.pose = Some(Pose {
            x: 1.234_567_890_123,
            y: 0.2,
            heading: -3.1,
        });
        let with_pose = encode(&t);
        for payload in [without_pose, with_pose] {
            assert_eq!(sample(&payload, 7).unwrap(), full(&payload, 7).unwrap());
        }
    }

    #[test]
    fn what_the_full_decode_refuses_the_slim_decode_refuses() {
        let good = String::from_utf8(encode(&Telemetry::new(1, 2))).unwrap();
        let bad = [
            good.replace("\"v\":1", "\"v\":2"),
            good.replace("\"servos\"", "\"servants\""),
            good.replace("\"ts_ms\":2,", ""),
            good.replace("\"mode\":\"idle\"", "\"mode\":\"dancing\""),
            good[..good.len() - 1].to_owned(),
            "[]".to_owned(),
            format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_PAYLOAD_BYTES)),
        ];
        for payload in bad {
            assert!(full(payload.as_bytes(), 0).is_err(), "{payload}");
            assert!(sample(payload.as_bytes(), 0).is_err(), "{payload}");
        }
    }
}
