//! WS2812 LEDs over SPI: each data bit becomes three SPI bits at 2.4 MHz on MOSI.
//!
//! At 2.4 MHz an SPI bit lasts 417 ns, so `100` is a 0 (417 ns high, 833 ns low) and `110` a
//! 1 (833 ns high, 417 ns low), inside the WS2812B's ±150 ns windows. Colours go out green,
//! red, blue, most significant bit first. The data line must be on MOSI (GPIO 10 for SPI0):
//! the V1 wires it to GPIO 12, which needs PWM + DMA (rpi_ws281x) and is not driven here.

use super::io::SpiBus;
use crate::hal::{HalError, Leds, Rgb};

/// The SPI clock the encoding assumes; any other clock breaks the timing.
pub const SPI_CLOCK_HZ: u32 = 2_400_000;
/// Low time that latches the colours: 90 bytes = 300 µs, over the WS2812B's 280 µs reset.
pub const RESET_BYTES: usize = 90;
/// SPI bytes per LED (24 data bits × 3 SPI bits).
pub const BYTES_PER_LED: usize = 9;

/// One colour byte as 24 SPI bits (3 bytes), MSB first.
fn encode_byte(byte: u8) -> [u8; 3] {
    let mut bits: u32 = 0;
    for i in (0..8).rev() {
        let pattern = if byte & (1 << i) != 0 { 0b110 } else { 0b100 };
        bits = (bits << 3) | pattern;
    }
    let [_, a, b, c] = bits.to_be_bytes();
    [a, b, c]
}

/// The SPI frame for a strip: every LED in GRB order, then the reset gap.
pub fn encode_frame(colors: impl IntoIterator<Item = Rgb>) -> Vec<u8> {
    let mut frame = Vec::new();
    for color in colors {
        for byte in [color.g, color.r, color.b] {
            frame.extend_from_slice(&encode_byte(byte));
        }
    }
    frame.resize(frame.len() + RESET_BYTES, 0);
    frame
}

pub struct SpiLeds<S> {
    spi: S,
    count: u16,
}

impl<S: SpiBus> SpiLeds<S> {
    /// `spi` must be clocked at [`SPI_CLOCK_HZ`], mode 0.
    pub fn new(spi: S, count: u16) -> Self {
        Self { spi, count }
    }
}

impl<S: SpiBus> Leds for SpiLeds<S> {
    fn set_all(&mut self, color: Rgb) -> Result<(), HalError> {
        let frame = encode_frame(std::iter::repeat_n(color, usize::from(self.count)));
        self.spi.write(&frame)
    }
}

/// The strip when no driver is configured (the V1 out of the box): every call says why.
pub struct NoLeds;

impl Leds for NoLeds {
    fn set_all(&mut self, _color: Rgb) -> Result<(), HalError> {
        Err(HalError::Unsupported(
            "the LED strip (its data line must be moved to SPI MOSI, GPIO 10, and \
             leds.driver set to \"spi\"; see docs/rasptank.md)"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::rasptank::fake::{Log, Op};

    #[test]
    fn zero_and_full_bytes_become_the_three_bit_patterns() {
        // 100 100 100 ... and 110 110 110 ...
        assert_eq!(encode_byte(0x00), [0x92, 0x49, 0x24]);
        assert_eq!(encode_byte(0xFF), [0xDB, 0x6D, 0xB6]);
        // 0x80 = 1 then seven 0s: 110 100 100 100 100 100 100 100.
        assert_eq!(encode_byte(0x80), [0xD2, 0x49, 0x24]);
    }

    #[test]
    fn one_red_led_is_sent_green_first_then_red_then_blue_then_a_reset_gap() {
        let log = Log::default();
        let mut leds = SpiLeds::new(log.spi(), 1);
        leds.set_all(Rgb {
            r: 0xFF,
            g: 0x00,
            b: 0x01,
        })
        .unwrap();
        let mut expected = vec![
            0x92, 0x49, 0x24, // green 0x00
            0xDB, 0x6D, 0xB6, // red 0xFF
            0x92, 0x49, 0x26, // blue 0x01: last pattern 110
        ];
        expected.extend([0u8; RESET_BYTES]);
        assert_eq!(log.take(), [Op::Spi(expected)]);
    }

    #[test]
    fn every_led_of_the_strip_gets_the_colour_in_one_write() {
        let log = Log::default();
        let mut leds = SpiLeds::new(log.spi(), 16);
        leds.set_all(Rgb { r: 1, g: 2, b: 3 }).unwrap();
        let ops = log.take();
        let [Op::Spi(frame)] = ops.as_slice() else {
            panic!("one SPI write")
        };
        assert_eq!(frame.len(), 16 * BYTES_PER_LED + RESET_BYTES);
        let first = &frame[..BYTES_PER_LED];
        assert!(
            frame[..16 * BYTES_PER_LED]
                .chunks(BYTES_PER_LED)
                .all(|led| led == first)
        );
    }

    #[test]
    fn without_a_driver_the_leds_answer_unsupported() {
        let error = NoLeds.set_all(Rgb::default()).unwrap_err();
        assert!(matches!(error, HalError::Unsupported(ref what) if what.contains("GPIO 10")));
    }
}
