//! Camera frames for the scanner's tests: a real QR code (the `qrcode` crate's module matrix)
//! drawn on a grey, noisy 640x480 scene with its white quiet zone, and the YUV420 bytes
//! rpicam-still would write for a frame.

use qrcode::{Color, QrCode};

use super::camera::LumaFrame;

pub(crate) const WIDTH: usize = 640;
pub(crate) const HEIGHT: usize = 480;

/// A fixed-seed generator, so a failing frame is the same frame on the next run.
struct Noise(u64);

impl Noise {
    /// -spread..=spread.
    fn next(&mut self, spread: i32) -> i32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % (2 * spread as u64 + 1)) as i32 - spread
    }
}

fn shade(base: i32, noise: &mut Noise) -> u8 {
    (base + noise.next(18)).clamp(0, 255) as u8
}

/// A grey floor (luma about 140) with noise and nothing on it.
pub(crate) fn empty_scene() -> LumaFrame {
    let mut noise = Noise(7);
    LumaFrame {
        width: WIDTH,
        height: HEIGHT,
        luma: (0..WIDTH * HEIGHT)
            .map(|_| shade(140, &mut noise))
            .collect(),
    }
}

/// Draws `text` as a QR code with its top-left corner (quiet zone included) at `(left, top)`,
/// `module` pixels a module: dark modules about 45, paper about 215, both noisy.
pub(crate) fn draw_code(frame: &mut LumaFrame, text: &str, left: usize, top: usize, module: usize) {
    let code = QrCode::new(text.as_bytes()).expect("the test's text fits a QR code");
    let quiet = 4;
    let side = (code.width() + 2 * quiet) * module;
    let mut noise = Noise(text.len() as u64 + 11);
    for py in 0..side {
        for px in 0..side {
            let (mx, my) = (px / module, py / module);
            let dark = (quiet..quiet + code.width()).contains(&mx)
                && (quiet..quiet + code.width()).contains(&my)
                && code[(mx - quiet, my - quiet)] == Color::Dark;
            let value = shade(if dark { 45 } else { 215 }, &mut noise);
            frame.luma[(top + py) * frame.width + left + px] = value;
        }
    }
}

/// The scene with one code, 6 px a module, off centre as a camera would see it.
pub(crate) fn scene_with_code(text: &str) -> LumaFrame {
    let mut frame = empty_scene();
    draw_code(&mut frame, text, 190, 120, 6);
    frame
}

/// The frame as rpicam-still's `--encoding yuv420 -o -` writes it: the luma rows, then the U
/// and V planes at half size each way. The chroma is not neutral, so a decoder that read the
/// wrong plane would see a flat image.
pub(crate) fn yuv420(frame: &LumaFrame) -> Vec<u8> {
    let chroma = (frame.width / 2) * (frame.height / 2);
    let mut bytes = frame.luma.clone();
    bytes.extend(std::iter::repeat_n(0x30, chroma));
    bytes.extend(std::iter::repeat_n(0xD0, chroma));
    bytes
}
