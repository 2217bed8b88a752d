//! Telemetry packed for grading: what the slim decode ([`super::slim`]) reads of each sample,
//! worked out once when the records are written and kept beside them (`telemetry_packs`,
//! migration 0015), about 40 bytes a sample instead of a 320-byte JSON payload to read and
//! parse again at every grading. A pack is one robot's telemetry rows of one insert, in the
//! order written; a row the slim decode refused is packed as its error, which is what grading
//! keeps of it. So a run built from the packs is the run built from the payloads, to the bit.
//!
//! A pack names the decoder that made it ([`PACK_FORMAT`] and the float rounding of the build):
//! a pack from another one is not read, and grading reads the payloads instead. Change
//! [`PACK_FORMAT`] whenever the slim decode would read a payload differently.
//!
//! Layout: the format byte, the rounding byte, then one entry per row: a head byte (mode in bits
//! 0-2, the three line sensors in bits 3-5, a pose in bit 6, unreadable in bit 7), the receive
//! time as a zigzag varint of its difference to the previous entry's, then either the error
//! text (varint length, UTF-8) or the sequence number (zigzag varint of its difference to the
//! previous sample's), both motor outputs (f32, little-endian) and the pose (3 f64) if any.

use fleet_protocol::{LineReading, MotorOutput, Pose, RobotMode};

use super::agent_layout::serde_json_rounds_twice;
use super::run::Sample;
use super::slim;

/// Which slim decode the packs hold the output of; packs of any other are not read.
pub const PACK_FORMAT: u8 = 1;

const POSE: u8 = 1 << 6;
const UNREADABLE: u8 = 1 << 7;
const MODE_BITS: u8 = 0b111;

/// One telemetry row as grading keeps it: its sample, or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum PackedRow<'a> {
    Sample(Sample),
    Unreadable { at_ms: i64, reason: &'a str },
}

/// A pack that cannot be read: from another decoder, or damaged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("a pack of format {format} (rounding {rounding}), this build reads {PACK_FORMAT}")]
    OtherDecoder { format: u8, rounding: u8 },
    #[error("a damaged pack: {0}")]
    Damaged(&'static str),
    #[error("the session's packs hold {read} telemetry rows, its counts say {expected}")]
    Miscounted { read: i64, expected: i64 },
}

/// The rows of one pack as they are written, one at a time.
pub struct Packer {
    bytes: Vec<u8>,
    rows: u32,
    last_at_ms: i64,
    last_seq: u64,
}

impl Default for Packer {
    fn default() -> Self {
        Self::new()
    }
}

impl Packer {
    pub fn new() -> Self {
        Self {
            bytes: vec![PACK_FORMAT, rounding()],
            rows: 0,
            last_at_ms: 0,
            last_seq: 0,
        }
    }

    /// Packs a telemetry payload received at `at_ms`, as the slim decode reads it.
    pub fn push_payload(&mut self, payload: &[u8], at_ms: i64) {
        match slim::sample(payload, at_ms) {
            Ok(sample) => self.push(&PackedRow::Sample(sample)),
            Err(e) => self.push(&PackedRow::Unreadable {
                at_ms,
                reason: &e.to_string(),
            }),
        }
    }

    pub fn push(&mut self, row: &PackedRow<'_>) {
        self.rows += 1;
        match row {
            PackedRow::Sample(s) => {
                let line = u8::from(s.line.left) << 3
                    | u8::from(s.line.middle) << 4
                    | u8::from(s.line.right) << 5;
                let pose = if s.pose.is_some() { POSE } else { 0 };
                self.bytes.push(mode_code(s.mode) | line | pose);
                self.time(s.at_ms);
                put_varint(
                    &mut self.bytes,
                    zigzag(s.seq.wrapping_sub(self.last_seq) as i64),
                );
                self.last_seq = s.seq;
                self.bytes.extend(s.motors.left.to_le_bytes());
                self.bytes.extend(s.motors.right.to_le_bytes());
                if let Some(p) = s.pose {
                    for v in [p.x, p.y, p.heading] {
                        self.bytes.extend(v.to_le_bytes());
                    }
                }
            }
            PackedRow::Unreadable { at_ms, reason } => {
                self.bytes.push(UNREADABLE);
                self.time(*at_ms);
                put_varint(&mut self.bytes, reason.len() as u64);
                self.bytes.extend(reason.as_bytes());
            }
        }
    }

    fn time(&mut self, at_ms: i64) {
        put_varint(&mut self.bytes, zigzag(at_ms.wrapping_sub(self.last_at_ms)));
        self.last_at_ms = at_ms;
    }

    /// How many rows it holds.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Hands each row of `pack` to `each`, in the order packed; how many there were. A damaged
/// pack or one from another decoder is an error (the rows before it were handed over).
pub fn unpack(pack: &[u8], mut each: impl FnMut(PackedRow<'_>)) -> Result<u64, PackError> {
    let (&format, rest) = pack.split_first().ok_or(PackError::Damaged("empty"))?;
    let (&rounding_byte, mut rest) = rest
        .split_first()
        .ok_or(PackError::Damaged("no rounding"))?;
    if format != PACK_FORMAT || rounding_byte != rounding() {
        return Err(PackError::OtherDecoder {
            format,
            rounding: rounding_byte,
        });
    }
    let (mut at_ms, mut seq, mut rows) = (0i64, 0u64, 0u64);
    while let Some((&head, after)) = rest.split_first() {
        rest = after;
        at_ms = at_ms.wrapping_add(unzigzag(take_varint(&mut rest)?));
        rows += 1;
        if head & UNREADABLE != 0 {
            let len = usize::try_from(take_varint(&mut rest)?)
                .map_err(|_| PackError::Damaged("a reason's length"))?;
            let text = take(&mut rest, len)?;
            let reason =
                std::str::from_utf8(text).map_err(|_| PackError::Damaged("a reason's text"))?;
            each(PackedRow::Unreadable { at_ms, reason });
            continue;
        }
        seq = seq.wrapping_add(unzigzag(take_varint(&mut rest)?) as u64);
        let mode = mode_of(head & MODE_BITS).ok_or(PackError::Damaged("a mode"))?;
        let left = f32::from_le_bytes(array(&mut rest)?);
        let right = f32::from_le_bytes(array(&mut rest)?);
        let pose = if head & POSE != 0 {
            Some(Pose {
                x: f64::from_le_bytes(array(&mut rest)?),
                y: f64::from_le_bytes(array(&mut rest)?),
                heading: f64::from_le_bytes(array(&mut rest)?),
            })
        } else {
            None
        };
        each(PackedRow::Sample(Sample {
            at_ms,
            seq,
            mode,
            line: LineReading {
                left: head & 1 << 3 != 0,
                middle: head & 1 << 4 != 0,
                right: head & 1 << 5 != 0,
            },
            motors: MotorOutput { left, right },
            pose,
        }));
    }
    Ok(rows)
}

/// The float rounding of this build's serde_json, which the packed values depend on.
fn rounding() -> u8 {
    u8::from(serde_json_rounds_twice())
}

fn mode_code(mode: RobotMode) -> u8 {
    match mode {
        RobotMode::Idle => 0,
        RobotMode::Driving => 1,
        RobotMode::LineFollow => 2,
        RobotMode::Estopped => 3,
    }
}

fn mode_of(code: u8) -> Option<RobotMode> {
    Some(match code {
        0 => RobotMode::Idle,
        1 => RobotMode::Driving,
        2 => RobotMode::LineFollow,
        3 => RobotMode::Estopped,
        _ => return None,
    })
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(bytes: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        bytes.push(v as u8 | 0x80);
        v >>= 7;
    }
    bytes.push(v as u8);
}

fn take_varint(rest: &mut &[u8]) -> Result<u64, PackError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, after) = rest
            .split_first()
            .ok_or(PackError::Damaged("a cut number"))?;
        *rest = after;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(PackError::Damaged("a number too long"))
}

fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8], PackError> {
    if rest.len() < len {
        return Err(PackError::Damaged("a cut row"));
    }
    let (taken, after) = rest.split_at(len);
    *rest = after;
    Ok(taken)
}

fn array<const N: usize>(rest: &mut &[u8]) -> Result<[u8; N], PackError> {
    let taken = take(rest, N)?;
    Ok(taken.try_into().unwrap_or([0; N]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, seq: u64, pose: Option<Pose>) -> Sample {
        Sample {
            at_ms,
            seq,
            mode: RobotMode::LineFollow,
            line: LineReading {
                left: true,
                middle: false,
                right: true,
            },
            motors: MotorOutput {
                left: 0.37,
                right: -0.1,
            },
            pose,
        }
    }

    fn unpacked(pack: &[u8]) -> Result<Vec<PackedRow<'static>>, PackError> {
        let mut rows = Vec::new();
        unpack(pack, |row| {
            rows.push(match row {
                PackedRow::Sample(s) => PackedRow::Sample(s),
                PackedRow::Unreadable { at_ms, reason } => PackedRow::Unreadable {
                    at_ms,
                    reason: String::leak(reason.to_owned()),
                },
            })
        })?;
        Ok(rows)
    }

    #[test]
    fn rows_come_out_as_they_went_in_late_ones_and_every_mode_included() {
        let pose = Pose {
            x: 1.234_567_890_123,
            y: -0.2,
            heading: f64::MIN_POSITIVE,
        };
        let mut rows = vec![
            PackedRow::Sample(sample(1_764_547_200_000, 1, Some(pose))),
            // Late: an earlier time, a smaller number.
            PackedRow::Sample(sample(1_764_547_199_950, 0, None)),
            PackedRow::Unreadable {
                at_ms: -5,
                reason: "malformed JSON payload: é",
            },
            PackedRow::Sample(sample(i64::MAX, u64::MAX, Some(pose))),
            PackedRow::Sample(sample(i64::MIN, 3, None)),
        ];
        for (i, mode) in [
            RobotMode::Idle,
            RobotMode::Driving,
            RobotMode::LineFollow,
            RobotMode::Estopped,
        ]
        .into_iter()
        .enumerate()
        {
            let mut s = sample(10 + i as i64, 9, None);
            s.mode = mode;
            s.line.middle = i % 2 == 0;
            rows.push(PackedRow::Sample(s));
        }
        let mut packer = Packer::new();
        for row in &rows {
            packer.push(row);
        }
        assert_eq!(packer.rows(), 9);
        let pack = packer.finish();
        assert_eq!(unpacked(&pack).unwrap(), rows);
    }

    #[test]
    fn a_payload_is_packed_as_the_slim_decode_reads_it_and_a_bad_one_as_its_error() {
        let mut t = fleet_protocol::Telemetry::new(42, 1_000);
        t.pose = Some(Pose {
            x: 0.47960756426982587,
            y: 0.2,
            heading: -3.1,
        });
        t.motors.left = 0.3;
        let good = fleet_protocol::encode(&t);
        let bad = b"{not telemetry";
        let mut packer = Packer::new();
        packer.push_payload(&good, 7);
        packer.push_payload(bad, 8);
        let rows = unpacked(&packer.finish()).unwrap();
        let reason = slim::sample(bad, 8).unwrap_err().to_string();
        assert_eq!(
            rows,
            [
                PackedRow::Sample(slim::sample(&good, 7).unwrap()),
                PackedRow::Unreadable {
                    at_ms: 8,
                    reason: String::leak(reason),
                },
            ]
        );
    }

    #[test]
    fn a_pack_of_another_format_or_cut_short_is_an_error_never_a_panic() {
        let mut packer = Packer::new();
        packer.push(&PackedRow::Sample(sample(
            5,
            1,
            Some(Pose {
                x: 1.0,
                y: 2.0,
                heading: 3.0,
            }),
        )));
        let pack = packer.finish();
        // Only the two bytes that name the decoder are a whole pack (of no rows).
        assert_eq!(unpacked(&pack[..2]), Ok(Vec::new()));
        for cut in (0..pack.len()).filter(|&cut| cut != 2) {
            assert!(unpacked(&pack[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = pack.clone();
        other[0] = PACK_FORMAT + 1;
        assert!(matches!(
            unpacked(&other),
            Err(PackError::OtherDecoder { .. })
        ));
        other = pack.clone();
        other[1] ^= 1;
        assert!(matches!(
            unpacked(&other),
            Err(PackError::OtherDecoder { .. })
        ));
        // A mode this build does not know.
        other = pack.clone();
        other[2] |= MODE_BITS;
        assert_eq!(unpacked(&other), Err(PackError::Damaged("a mode")));
        // Any bytes at all: an error or rows, never a panic.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            let len = (state % 64) as usize;
            let mut junk = vec![PACK_FORMAT, rounding()];
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                junk.push(state as u8);
            }
            let _ = unpacked(&junk);
        }
    }
}
