//! The IR receiver (BCM 22 on the course's RaspTank) read by edge interrupts: each edge, with
//! its timestamp (the kernel's on a Pi), is fed to a [`FrameAssembler`]; decoded hits are
//! broadcast, bad frames counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

use super::config::Level;
use super::io::EdgeInput;
use super::ir_pulses::FrameAssembler;
use crate::hal::{HalError, Hit, HitSensor};

/// Hits kept for a slow subscriber (a hit immobilises for 2 s: a few are plenty).
const HIT_BUFFER: usize = 16;

pub struct EdgeHitSensor<I> {
    hits: broadcast::Sender<Hit>,
    bad_frames: Arc<AtomicU64>,
    // Held so its interrupt stays registered.
    _input: I,
}

impl<I: EdgeInput> EdgeHitSensor<I> {
    /// `mark_level` is the output level while the carrier is seen: low for the usual
    /// demodulating receivers (TSOP38238, VS1838B).
    pub fn start(mut input: I, mark_level: Level) -> Result<Self, HalError> {
        let (hits, _) = broadcast::channel(HIT_BUFFER);
        let bad_frames = Arc::new(AtomicU64::new(0));
        let assembler = Mutex::new(FrameAssembler::default());
        let (sender, bad) = (hits.clone(), Arc::clone(&bad_frames));
        input.on_timed_edges(Box::new(move |high, at| {
            let mark = high == (mark_level == Level::High);
            let result = assembler
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .edge(at, mark);
            match result {
                Some(Ok(hit)) => {
                    // No subscriber (not playing) is fine.
                    let _ = sender.send(hit);
                }
                Some(Err(error)) => {
                    bad.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%error, "IR frame dropped");
                }
                None => {}
            }
        }))?;
        Ok(Self {
            hits,
            bad_frames,
            _input: input,
        })
    }

    /// Frames received but not decodable (cut off, noise, two flipped bits).
    pub fn bad_frames(&self) -> u64 {
        self.bad_frames.load(Ordering::Relaxed)
    }
}

impl<I: EdgeInput> HitSensor for EdgeHitSensor<I> {
    fn hits(&self) -> broadcast::Receiver<Hit> {
        self.hits.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::super::fake::FakeInput;
    use super::super::ir_pulses::shot_durations;
    use super::*;

    /// Plays durations on an active-low receiver's pin from `*now`: low during marks, high
    /// during spaces, each edge stamped with its exact time. Leaves `*now` at the frame's end.
    fn play(pin: &FakeInput, now: &mut Instant, durations: &[u32]) {
        for (i, us) in durations.iter().enumerate() {
            pin.fire_at(i % 2 == 1, *now);
            *now += Duration::from_micros(u64::from(*us));
        }
        pin.fire_at(true, *now);
    }

    #[test]
    fn a_shot_played_on_the_pin_with_exact_timings_is_broadcast_as_shot_by() {
        let pin = FakeInput::with_level(true);
        let sensor = EdgeHitSensor::start(pin.clone(), Level::Low).unwrap();
        let mut hits = sensor.hits();
        let mut now = Instant::now() + Duration::from_millis(100);
        play(&pin, &mut now, &shot_durations(0xdca6_32bf_91cc));
        assert_eq!(
            hits.try_recv().unwrap().shot_by(),
            "SHOT_BY 0xf1dca632bf91cc"
        );
        assert!(hits.try_recv().is_err());
        assert_eq!(sensor.bad_frames(), 0);
    }

    #[test]
    fn a_frame_cut_off_is_counted_and_the_next_one_still_decodes() {
        let pin = FakeInput::with_level(true);
        let sensor = EdgeHitSensor::start(pin.clone(), Level::Low).unwrap();
        let mut hits = sensor.hits();
        let frame = shot_durations(0xb827_eb12_3456);
        let mut now = Instant::now();
        play(&pin, &mut now, &frame[..51]);
        now += Duration::from_millis(50);
        play(&pin, &mut now, &frame);
        assert_eq!(hits.try_recv().unwrap().mac, 0xb827_eb12_3456);
        assert_eq!(sensor.bad_frames(), 1);
    }
}
