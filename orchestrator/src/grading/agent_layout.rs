//! The slim decode's fast path: a telemetry payload exactly as the project's agent writes it
//! (serde_json's output for `Telemetry`: its field order, no whitespace, no escapes), read by a
//! cursor that expects each byte instead of a JSON parser that discovers them. Anything else
//! (another field order, whitespace, an escape, an exponent, an integer where a float goes, a
//! `null`) gives `None`, and the payload goes through serde ([`super::slim`]). So this file
//! decides how fast a payload is read, never what it reads: what it accepts is valid JSON that
//! serde reads to the same values, to the bit ([`Decimal`] repeats serde's float arithmetic).

use std::sync::OnceLock;

use fleet_protocol::{LineReading, MotorOutput, Pose, RobotMode};

/// The fields grading reads, as the agent wrote them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct AgentTelemetry {
    pub v: u32,
    pub seq: u64,
    pub mode: RobotMode,
    pub line: LineReading,
    pub motors: MotorOutput,
    pub pose: Option<Pose>,
}

/// Reads `payload` if it has the agent's exact layout; `None` if it has any other.
pub(super) fn read(payload: &[u8]) -> Option<AgentTelemetry> {
    let mut c = Cursor {
        bytes: payload,
        at: 0,
    };
    c.lit(b"{\"v\":")?;
    let v = u32::try_from(c.uint()?).ok()?;
    c.lit(b",\"seq\":")?;
    let seq = c.uint()?;
    c.lit(b",\"ts_ms\":")?;
    c.number()?;
    c.lit(b",\"mode\":")?;
    let mode = c.mode()?;
    c.lit(b",\"line\":{\"left\":")?;
    let left = c.bool()?;
    c.lit(b",\"middle\":")?;
    let middle = c.bool()?;
    c.lit(b",\"right\":")?;
    let right = c.bool()?;
    c.lit(b"},\"motors\":{\"left\":")?;
    let motor_left = c.decimal()?.f32();
    c.lit(b",\"right\":")?;
    let motor_right = c.decimal()?.f32();
    c.lit(b"},\"servos\":{\"camera_tilt\":")?;
    c.number()?;
    c.lit(b",\"arm\":")?;
    c.number()?;
    c.lit(b",\"forearm\":")?;
    c.number()?;
    c.lit(b",\"wrist\":")?;
    c.number()?;
    c.lit(b",\"claw\":")?;
    c.number()?;
    c.lit(b"}")?;
    if c.lit(b",\"battery_v\":").is_some() {
        c.number()?;
    }
    let pose = match c.lit(b",\"pose\":{\"x\":") {
        Some(()) => {
            let x = c.decimal()?.f64();
            c.lit(b",\"y\":")?;
            let y = c.decimal()?.f64();
            c.lit(b",\"heading\":")?;
            let heading = c.decimal()?.f64();
            c.lit(b"}")?;
            Some(Pose { x, y, heading })
        }
        None => None,
    };
    if c.lit(b",\"leds\":{\"r\":").is_some() {
        c.number()?;
        c.lit(b",\"g\":")?;
        c.number()?;
        c.lit(b",\"b\":")?;
        c.number()?;
        c.lit(b"}")?;
    }
    c.lit(b"}")?;
    c.at_end()?;
    Some(AgentTelemetry {
        v,
        seq,
        mode,
        line: LineReading {
            left,
            middle,
            right,
        },
        motors: MotorOutput {
            left: motor_left,
            right: motor_right,
        },
        pose,
    })
}

/// Each mode as serde_json writes it (quotes included), asked of serde once.
fn written_modes() -> &'static [(Vec<u8>, RobotMode)] {
    static MODES: OnceLock<Vec<(Vec<u8>, RobotMode)>> = OnceLock::new();
    MODES.get_or_init(|| {
        [
            RobotMode::Idle,
            RobotMode::Driving,
            RobotMode::LineFollow,
            RobotMode::Estopped,
        ]
        .into_iter()
        .filter_map(|mode| Some((serde_json::to_vec(&mode).ok()?, mode)))
        .collect()
    })
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// The bytes `expected` next, compared as one fixed-size array (no call, no loop).
    fn lit<const N: usize>(&mut self, expected: &[u8; N]) -> Option<()> {
        let next: &[u8; N] = self.bytes.get(self.at..self.at + N)?.try_into().ok()?;
        (next == expected).then(|| self.at += N)
    }

    fn at_end(&self) -> Option<()> {
        (self.at == self.bytes.len()).then_some(())
    }

    /// The digits next and their value, `None` for a value past `u64::MAX`. Eight at a time
    /// where eight follow.
    #[inline]
    fn digits(&mut self) -> (&'a [u8], Option<u64>) {
        let start = self.at;
        let mut value = 0u64;
        while let Some(eight) = self.bytes.get(self.at..self.at + 8).and_then(eight_digits) {
            value = value.wrapping_mul(100_000_000).wrapping_add(eight);
            self.at += 8;
        }
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            value = value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        // Up to 19 digits always fit, and each step's value was at most the last one's, so
        // the wrapping arithmetic was exact.
        if digits.len() <= 19 {
            return (digits, Some(value));
        }
        (digits, long_value(digits))
    }

    /// An unsigned JSON integer that fits a `u64` (no fraction, no exponent).
    fn uint(&mut self) -> Option<u64> {
        let (digits, value) = self.digits();
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') || self.fraction_follows() {
            return None;
        }
        value
    }

    fn fraction_follows(&self) -> bool {
        matches!(self.peek(), Some(b'.' | b'e' | b'E'))
    }

    fn bool(&mut self) -> Option<bool> {
        if self.lit(b"true").is_some() {
            Some(true)
        } else {
            self.lit(b"false").map(|()| false)
        }
    }

    /// A mode, written as serde_json writes it.
    fn mode(&mut self) -> Option<RobotMode> {
        let rest = self.bytes.get(self.at..)?;
        let (written, mode) = written_modes()
            .iter()
            .find(|(written, _)| rest.starts_with(written))?;
        self.at += written.len();
        Some(*mode)
    }

    /// `-?(0|[1-9][0-9]*)\.[0-9]+`, the form serde_json writes every finite float in, unless
    /// it needs an exponent (then `None`); its digits must fit a `u64` (else `None`).
    fn decimal(&mut self) -> Option<Decimal<'a>> {
        let start = self.at;
        let negative = self.lit(b"-").is_some();
        let (whole, whole_value) = self.digits();
        if whole.is_empty() || (whole.len() > 1 && whole[0] == b'0') {
            return None;
        }
        self.lit(b".")?;
        let (fraction, fraction_value) = self.digits();
        if fraction.is_empty() || matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        let fraction_digits = fraction.len();
        if fraction_digits >= EXACT_POWERS_OF_TEN.len() {
            return None;
        }
        // Every digit in one integer, as serde_json reads it: only if it fits a u64.
        let significand = match whole_value? {
            0 => fraction_value?,
            whole_value if whole.len() + fraction_digits <= 19 => {
                whole_value * 10u64.pow(u32::try_from(fraction_digits).ok()?) + fraction_value?
            }
            _ => return None,
        };
        Some(Decimal {
            negative,
            significand,
            fraction_digits,
            text: &self.bytes[start..self.at],
        })
    }

    /// Any JSON number, its value not needed (`-?(0|[1-9]d*)(\.d+)?([eE][+-]?d+)?`): what
    /// serde skips a field it ignores by.
    fn number(&mut self) -> Option<()> {
        self.lit(b"-");
        let start = self.at;
        let whole = self.skip_digits();
        if whole == 0 || (whole > 1 && self.bytes[start] == b'0') {
            return None;
        }
        if self.lit(b".").is_some() && self.skip_digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.skip_digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Past the digits next; how many.
    fn skip_digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }
}

/// The value of more than 19 digits: up to 19 after the leading zeros always fit, 20 may.
#[cold]
fn long_value(digits: &[u8]) -> Option<u64> {
    let leading_zeros = digits.iter().take_while(|&&d| d == b'0').count();
    let significant = &digits[leading_zeros..];
    if significant.len() > 20 {
        return None;
    }
    significant.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// The value of eight ASCII digits (the first the most significant), `None` if any byte is
/// not a digit: the eight bytes checked and converted as one `u64`, in three multiplications.
fn eight_digits(bytes: &[u8]) -> Option<u64> {
    let chunk = u64::from_le_bytes(bytes.try_into().ok()?);
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    // Every byte 0x30..=0x39: its high nibble 3, and still 3 with 6 added (no carry can cross
    // bytes once every high nibble is 3).
    if chunk & HIGH != THREES || chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH != THREES {
        return None;
    }
    // Neighbouring digits, then pairs, then quads, combined (each step: high * 10^k + low).
    let v = chunk & 0x0F0F_0F0F_0F0F_0F0F;
    let v = (v.wrapping_mul(10 << 8 | 1) >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(v.wrapping_mul(10_000 << 32 | 1) >> 32)
}

/// 10^0 ..= 10^22: every one exact in an `f64`, as in serde_json's own table.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal number as written: its digits as one integer and how many follow the point.
struct Decimal<'a> {
    negative: bool,
    significand: u64,
    fraction_digits: usize,
    /// As written (ASCII digits, a sign, a point).
    text: &'a [u8],
}

impl Decimal<'_> {
    /// The `f64` serde_json reads from this text. Built without its `float_roundtrip`
    /// feature, serde_json computes `significand as f64 / 10^digits`: two roundings, which
    /// for about one 16-17 digit number in fifteen is one bit off the nearest `f64`. Built
    /// with it, the nearest, which the standard library's parse gives too.
    fn f64(&self) -> f64 {
        if serde_json_rounds_twice() {
            let f = self.significand as f64 / EXACT_POWERS_OF_TEN[self.fraction_digits];
            if self.negative { -f } else { f }
        } else {
            self.parse()
        }
    }

    /// The `f32` serde_json reads: without `float_roundtrip`, its `f64` narrowed; with it, the
    /// nearest `f32`.
    fn f32(&self) -> f32 {
        if serde_json_rounds_twice() {
            self.f64() as f32
        } else {
            self.parse()
        }
    }

    /// The nearest float, by the standard library (the text is a valid float: it cannot fail).
    fn parse<F: std::str::FromStr + From<f32>>(&self) -> F {
        std::str::from_utf8(self.text)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(F::from(f32::NAN))
    }
}

/// Whether the serde_json in this build parses floats in two roundings (no `float_roundtrip`
/// feature; another crate of the build may turn it on), asked once of serde_json itself with
/// a number that tells the two apart.
pub(super) fn serde_json_rounds_twice() -> bool {
    static TWICE: OnceLock<bool> = OnceLock::new();
    *TWICE.get_or_init(|| {
        const PROBE: &str = "0.47960756426982587";
        let nearest: f64 = PROBE.parse().unwrap_or_default();
        serde_json::from_str::<f64>(PROBE).is_ok_and(|serde| serde != nearest)
    })
}

#[cfg(test)]
#[path = "agent_layout_tests.rs"]
mod tests;
