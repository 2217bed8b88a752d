//! Reading a QR code from a grayscale frame (pure Rust, `rqrr`), and the RaspTank's
//! [`Scanner`]: a [`Camera`] capture, then this decode.
//!
//! Several codes in view: the first that decodes wins (the arena has one per base, far apart).
//! None, or none readable: `Ok(None)`, which the player takes for the capture zone.

use thiserror::Error;

use super::camera::{Camera, LumaFrame};
use crate::hal::{HalError, Scanner};

/// A frame that cannot be what it says it is.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("a {width}x{height} frame needs {expected} luma bytes, got {got}")]
    FrameSize {
        width: usize,
        height: usize,
        expected: usize,
        got: usize,
    },
    #[error("the QR decoder failed on this frame: {0}")]
    Panicked(String),
}

impl From<DecodeError> for HalError {
    fn from(e: DecodeError) -> Self {
        HalError::Camera(e.to_string())
    }
}

/// The text of the first QR code in `frame` that decodes, if any.
pub fn decode(frame: &LumaFrame) -> Result<Option<String>, DecodeError> {
    let (width, height) = (frame.width, frame.height);
    let expected = width.saturating_mul(height);
    if frame.luma.len() != expected {
        return Err(DecodeError::FrameSize {
            width,
            height,
            expected,
            got: frame.luma.len(),
        });
    }
    // rqrr is a port of quirc and has panicked on odd input before: a camera frame is
    // untrusted, and a failed scan must stay a failed scan, not a dead player.
    std::panic::catch_unwind(|| {
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            frame.luma[y * width + x]
        });
        image
            .detect_grids()
            .iter()
            .find_map(|grid| match grid.decode() {
                Ok((_, text)) => Some(text),
                Err(e) => {
                    tracing::debug!(error = %e, "a QR code in view did not decode");
                    None
                }
            })
    })
    .map_err(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        DecodeError::Panicked(reason)
    })
}

/// The real robot's scanner: one capture by the camera tool, one decode.
pub struct CameraScanner {
    camera: Camera,
}

impl CameraScanner {
    pub fn new(camera: Camera) -> Self {
        Self { camera }
    }
}

impl Scanner for CameraScanner {
    fn scan(&mut self) -> Result<Option<String>, HalError> {
        let frame = self.camera.capture()?;
        let code = decode(&frame)?;
        tracing::debug!(code = ?code, "camera scan");
        Ok(code)
    }
}
