//! The shot frame on the air: NEC pulse-distance timings as a LIRC transmitter takes them, and
//! received mark/space durations back to bits the way InfraLib's receiver reads them.
//!
//! InfraLib sends a 9000 us mark and a 4500 us space, then per bit a 562 us mark and a 1686 us
//! (1) or 562 us (0) space, on a 38 kHz carrier at 33 % duty. Its receiver keeps only the spaces
//! (> 1000 us is a 1) and drops the first two (the idle before the frame and the leader's space);
//! the last bit's space melts into the idle after the frame, which is why a `0` is appended.

use std::time::{Duration, Instant};

use super::ir_frame::{self, FRAME_BITS, FrameError};
use crate::hal::Hit;

pub const CARRIER_HZ: u32 = 38_000;
pub const DUTY_CYCLE_PERCENT: u32 = 33;
pub const LEADER_MARK_US: u32 = 9000;
pub const LEADER_SPACE_US: u32 = 4500;
pub const BIT_MARK_US: u32 = 562;
pub const ONE_SPACE_US: u32 = 1686;
pub const ZERO_SPACE_US: u32 = 562;
/// InfraLib's threshold between a 0 and a 1 space.
pub const ONE_ABOVE_US: u32 = 1000;
/// A mark shorter than this cannot be a leader (nominal 9000 us; InfraLib's waves make it 9234):
/// without it, a receiver that starts listening mid-frame would read the rest as a frame.
pub const LEADER_MIN_US: u32 = 4500;
/// A space this long is the idle between frames (the longest in a frame is the 4500 us leader).
pub const FRAME_GAP_US: u32 = 10_000;

/// One stretch of a received or sent signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulse {
    /// Carrier on, in microseconds.
    Mark(u32),
    /// Carrier off, in microseconds.
    Space(u32),
}

/// Alternating mark/space durations in microseconds, starting and ending with a mark as a LIRC
/// transmitter requires: the leader, then each bit, without the trailing `0`'s space (never
/// seen). 131 values for a shot.
pub fn durations(bits: &[bool]) -> Vec<u32> {
    let mut out = vec![LEADER_MARK_US, LEADER_SPACE_US];
    for bit in bits {
        out.push(BIT_MARK_US);
        out.push(if *bit { ONE_SPACE_US } else { ZERO_SPACE_US });
    }
    out.pop();
    out
}

/// The durations of a shot by `mac`.
pub fn shot_durations(mac: u64) -> Vec<u32> {
    durations(&ir_frame::encode(ir_frame::LASER, mac))
}

/// Bits from received pulses, as InfraLib reads them: leading idle skipped, the leader's space
/// dropped, then every space until the frame's end (> 1000 us is a 1).
pub fn bits(pulses: &[Pulse]) -> Vec<bool> {
    let mut spaces = pulses
        .iter()
        .skip_while(|p| matches!(p, Pulse::Space(_)))
        .filter_map(|p| match p {
            Pulse::Space(us) => Some(*us),
            Pulse::Mark(_) => None,
        });
    spaces.next(); // the leader's space
    spaces
        .take_while(|us| *us < FRAME_GAP_US)
        .map(|us| us > ONE_ABOVE_US)
        .collect()
}

/// Why received pulses are not a shot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("a frame stopped after {0} of {FRAME_BITS} bits")]
    Truncated(usize),
}

/// Decodes one whole frame's pulses.
pub fn decode(pulses: &[Pulse]) -> Result<Hit, IrError> {
    Ok(ir_frame::decode(&bits(pulses))?)
}

/// Turns timestamped edges of the receiver's output into frames as they complete, so an
/// interrupt handler can feed it one edge at a time. Pure: the time of each edge is given.
#[derive(Debug, Default)]
pub struct FrameAssembler {
    /// The last edge: when, and whether the carrier was on after it.
    last: Option<(Instant, bool)>,
    pulses: Vec<Pulse>,
    spaces: usize,
}

impl FrameAssembler {
    /// One edge at `at`; `mark` is whether the carrier is on after it. Returns a result once a
    /// frame is complete, or when a frame in progress is cut off by a long idle.
    pub fn edge(&mut self, at: Instant, mark: bool) -> Option<Result<Hit, IrError>> {
        let previous = self.last.replace((at, mark));
        let (since, was_mark) = previous?;
        if was_mark == mark {
            return None; // A repeated level: no edge happened.
        }
        let us = micros(at.saturating_duration_since(since));
        if was_mark {
            if self.pulses.is_empty() && us < LEADER_MIN_US {
                return None; // Noise, or a frame joined mid-way.
            }
            self.pulses.push(Pulse::Mark(us));
            return None;
        }
        if us >= FRAME_GAP_US {
            let cut = (!self.pulses.is_empty())
                .then(|| Err(IrError::Truncated(self.spaces.saturating_sub(1))));
            self.reset();
            return cut;
        }
        if self.pulses.is_empty() {
            return None; // The idle before the leader.
        }
        self.pulses.push(Pulse::Space(us));
        self.spaces += 1;
        // The leader's space, then one per bit: the last bit's space ends at the trailing mark.
        if self.spaces == FRAME_BITS + 1 {
            let result = decode(&self.pulses);
            self.reset();
            return Some(result);
        }
        None
    }

    fn reset(&mut self) {
        self.pulses.clear();
        self.spaces = 0;
    }
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: u64 = 0xdca6_32bf_91cc;

    /// Pulses as a receiver sees the transmitted durations: marks and spaces alternate.
    fn as_pulses(durations: &[u32]) -> Vec<Pulse> {
        durations
            .iter()
            .enumerate()
            .map(|(i, us)| {
                if i % 2 == 0 {
                    Pulse::Mark(*us)
                } else {
                    Pulse::Space(*us)
                }
            })
            .collect()
    }

    /// Edge times and levels (true = carrier on) for pulses starting at `t0`, and the edge
    /// that ends the last one.
    fn edges(t0: Instant, pulses: &[Pulse]) -> Vec<(Instant, bool)> {
        let mut at = t0;
        let mut out = Vec::new();
        for p in pulses {
            let (mark, us) = match p {
                Pulse::Mark(us) => (true, *us),
                Pulse::Space(us) => (false, *us),
            };
            out.push((at, mark));
            at += Duration::from_micros(u64::from(us));
        }
        out.push((at, false));
        out
    }

    #[test]
    fn a_shot_is_131_exact_durations_starting_with_the_leader() {
        let d = shot_durations(MAC);
        assert_eq!(d.len(), 131);
        assert_eq!(&d[..6], [9000, 4500, 562, 562, 562, 1686]); // bits 0, 1 of 0x4747..
        assert_eq!(*d.last().unwrap(), 562);
        let marks: Vec<u32> = d.iter().step_by(2).copied().collect();
        assert!(marks[1..].iter().all(|m| *m == 562));
        assert!(d.iter().skip(3).step_by(2).all(|s| *s == 562 || *s == 1686));
    }

    #[test]
    fn sent_durations_decode_back_to_the_shot() {
        let mut pulses = vec![Pulse::Space(250_000)];
        pulses.extend(as_pulses(&shot_durations(MAC)));
        let hit = decode(&pulses).unwrap();
        assert_eq!(hit.shot_by(), "SHOT_BY 0xf1dca632bf91cc");
    }

    #[test]
    fn timings_as_infralib_really_sends_them_decode_too() {
        // pigpio waves of 27 us carrier periods stretch marks (9234, 567) and spaces (+18 us).
        let stretched: Vec<u32> = shot_durations(MAC)
            .iter()
            .enumerate()
            .map(|(i, us)| match (i, us) {
                (0, _) => 9234,
                (_, 562) if i % 2 == 0 => 567,
                (_, us) => us + 18,
            })
            .collect();
        assert_eq!(decode(&as_pulses(&stretched)).unwrap().mac, MAC);
    }

    #[test]
    fn a_space_read_on_the_wrong_side_of_1000_us_is_corrected() {
        let mut d = shot_durations(MAC);
        // Bit 23's space (values: leader 2, then mark/space pairs): 0 sent, read as 1.
        let space = 2 + 23 * 2 + 1;
        d[space] = if d[space] == 562 { 1686 } else { 562 };
        assert_eq!(decode(&as_pulses(&d)).unwrap().mac, MAC);
    }

    #[test]
    fn edges_from_an_interrupt_assemble_into_the_shot_when_its_last_bit_ends() {
        let t0 = Instant::now();
        let mut assembler = FrameAssembler::default();
        // A stray blip before the frame is ignored.
        assert!(assembler.edge(t0, true).is_none());
        let blip = t0 + Duration::from_micros(300);
        assert!(assembler.edge(blip, false).is_none());
        let start = t0 + Duration::from_millis(40);
        let mut results = Vec::new();
        for (at, mark) in edges(start, &as_pulses(&shot_durations(MAC))) {
            results.extend(assembler.edge(at, mark));
        }
        assert_eq!(
            results,
            [Ok(Hit {
                weapon: 0xF1,
                mac: MAC
            })]
        );
    }

    #[test]
    fn a_frame_cut_short_by_silence_is_reported_truncated() {
        let t0 = Instant::now();
        let mut assembler = FrameAssembler::default();
        let d = shot_durations(MAC);
        let mut results = Vec::new();
        for (at, mark) in edges(t0, &as_pulses(&d[..41])) {
            results.extend(assembler.edge(at, mark));
        }
        let later = t0 + Duration::from_secs(1);
        results.extend(assembler.edge(later, true));
        assert_eq!(results, [Err(IrError::Truncated(19))]);
    }
}
