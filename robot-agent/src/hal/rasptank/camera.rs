//! The Pi camera at its process boundary: one grayscale frame per scan from the Raspberry Pi
//! OS camera tool (`rpicam-still ... --encoding yuv420 -o -`), killed when it has none by the
//! configured timeout. No V4L2 or libcamera binding: the tool is what Raspberry Pi maintains.
//!
//! What the tool writes (rpicam-apps `image/yuv.cpp`, `yuv420_save`): three planes, each row
//! written `width` bytes wide (the stride's padding stripped), luma `width x height` first, then
//! U and V at `width/2 x height/2`. Only the luma is kept: a QR code is black on white, and no
//! JPEG decoder is needed.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use thiserror::Error;

use super::config::CameraConfig;
use crate::hal::HalError;

/// How much of the tool's stderr an error carries: its last lines hold the reason
/// (`ERROR: *** ... ***`), after libcamera's start-up chatter.
const STDERR_TAIL: usize = 1024;
/// How long a killed tool gets to be reaped before the scan gives up waiting for it.
const REAP_GRACE: Duration = Duration::from_secs(2);

/// One grayscale frame: `luma[y * width + x]`, 0 black .. 255 white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaFrame {
    pub width: usize,
    pub height: usize,
    pub luma: Vec<u8>,
}

/// Why no frame came.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CameraError {
    #[error(
        "no camera tool found (tried {}): install the `rpicam-apps` package (`libcamera-apps` \
         before Bookworm), or name the tool in [rasptank.camera] commands",
        .tried.join(", ")
    )]
    NotInstalled { tried: Vec<String> },
    #[error("cannot run the camera tool {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error(
        "{program} exited without writing a frame to stdout: libcamera-apps older than \
         November 2022 write `-o -` to a file named `-` instead; update the package"
    )]
    NoFrame { program: String },
    #[error("{program} gave no frame within {timeout_ms} ms and was killed")]
    TimedOut { program: String, timeout_ms: u64 },
    #[error(
        "{program} wrote {got} bytes, short of a {width}x{height} YUV420 frame ({expected} bytes)"
    )]
    ShortFrame {
        program: String,
        got: usize,
        expected: usize,
        width: usize,
        height: usize,
    },
    #[error(
        "{program} wrote {got} bytes, more than a {width}x{height} YUV420 frame ({expected} \
         bytes): does extra_args ask for another size or encoding?"
    )]
    LongFrame {
        program: String,
        got: usize,
        expected: usize,
        width: usize,
        height: usize,
    },
}

impl From<CameraError> for HalError {
    fn from(e: CameraError) -> Self {
        HalError::Camera(e.to_string())
    }
}

/// The arguments of one capture: no preview window, `settle_ms` of preview for the exposure,
/// one YUV420 still of the configured size to stdout, then `extra_args`.
pub fn arguments(config: &CameraConfig) -> Vec<String> {
    let mut args = vec![
        "-n".to_owned(),
        "-t".to_owned(),
        config.settle_ms.to_string(),
        "--width".to_owned(),
        config.width.to_string(),
        "--height".to_owned(),
        config.height.to_string(),
        "--encoding".to_owned(),
        "yuv420".to_owned(),
        "-o".to_owned(),
        "-".to_owned(),
    ];
    args.extend(config.extra_args.iter().cloned());
    args
}

/// The first of `commands` that is an executable file: a name with a `/` as it is, else
/// looked up on `path` (the `PATH` variable's value).
pub fn find_program(commands: &[String], path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    commands.iter().find_map(|command| {
        if command.contains('/') {
            let p = PathBuf::from(command);
            return executable(&p).then_some(p);
        }
        std::env::split_paths(path?)
            .map(|dir| dir.join(command))
            .find(|p| executable(p))
    })
}

/// The camera tool, found once at start, run once per capture.
#[derive(Debug, Clone)]
pub struct Camera {
    program: PathBuf,
    args: Vec<String>,
    width: usize,
    height: usize,
    timeout: Duration,
}

struct Finished {
    status: std::io::Result<ExitStatus>,
    frame: Vec<u8>,
    written: usize,
    stderr: String,
}

impl Camera {
    /// The first of `config.commands` installed on this robot's `PATH`.
    pub fn find(config: &CameraConfig) -> Result<Camera, CameraError> {
        let path = std::env::var_os("PATH");
        let program = find_program(&config.commands, path.as_deref()).ok_or_else(|| {
            CameraError::NotInstalled {
                tried: config.commands.clone(),
            }
        })?;
        Ok(Self::with_program(program, config))
    }

    /// `program` with the arguments `config` asks for, found or not.
    pub fn with_program(program: impl Into<PathBuf>, config: &CameraConfig) -> Camera {
        Camera {
            program: program.into(),
            args: arguments(config),
            // Checked by the config: at most 2592 x 1944.
            width: config.width as usize,
            height: config.height as usize,
            timeout: Duration::from_millis(config.timeout_ms),
        }
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// Runs the tool once and returns its frame's luma. Blocks for up to the timeout; past it
    /// the tool's whole process group is killed (a wrapper script's children too).
    pub fn capture(&self) -> Result<LumaFrame, CameraError> {
        let program = self.program.display().to_string();
        let (width, height) = (self.width, self.height);
        let expected = width * height * 3 / 2;
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so a timeout kills everything it started.
            .process_group(0)
            .spawn()
            .map_err(|e| CameraError::Spawn {
                program: program.clone(),
                reason: e.to_string(),
            })?;
        let pid = child.id();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (done, finished) = mpsc::channel();
        // Reading and reaping happen on a thread of their own so that this one can give up at
        // the timeout: a hung tool never closes its stdout.
        let reader = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let stderr = std::thread::spawn(move || stderr.map(read_tail).unwrap_or_default());
                let (frame, written) = stdout
                    .map(|out| read_capped(out, expected + 1))
                    .unwrap_or_default();
                let status = child.wait();
                let stderr = stderr.join().unwrap_or_default();
                let _ = done.send(Finished {
                    status,
                    frame,
                    written,
                    stderr,
                });
            });
        if let Err(e) = reader {
            kill_group(pid);
            return Err(CameraError::Spawn {
                program,
                reason: format!("no thread to read it: {e}"),
            });
        }
        let finished = match finished.recv_timeout(self.timeout) {
            Ok(finished) => finished,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill_group(pid);
                if finished.recv_timeout(REAP_GRACE).is_err() {
                    tracing::warn!(%program, pid, "the camera tool outlived SIGKILL");
                }
                return Err(CameraError::TimedOut {
                    program,
                    timeout_ms: self.timeout.as_millis() as u64,
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                kill_group(pid);
                return Err(CameraError::Spawn {
                    program,
                    reason: "its reader thread stopped".into(),
                });
            }
        };
        let status = match finished.status {
            Ok(status) if status.success() => status,
            Ok(status) => {
                return Err(CameraError::Failed {
                    program,
                    status: status.to_string(),
                    stderr: or_silent(finished.stderr),
                });
            }
            Err(e) => {
                return Err(CameraError::Failed {
                    program,
                    status: format!("not reaped: {e}"),
                    stderr: or_silent(finished.stderr),
                });
            }
        };
        tracing::debug!(%program, %status, bytes = finished.written, "camera frame");
        let got = finished.written;
        if got == 0 {
            return Err(CameraError::NoFrame { program });
        }
        if got < expected {
            return Err(CameraError::ShortFrame {
                program,
                got,
                expected,
                width,
                height,
            });
        }
        if got > expected {
            return Err(CameraError::LongFrame {
                program,
                got,
                expected,
                width,
                height,
            });
        }
        let mut luma = finished.frame;
        luma.truncate(width * height);
        Ok(LumaFrame {
            width,
            height,
            luma,
        })
    }
}

fn or_silent(stderr: String) -> String {
    if stderr.is_empty() {
        "nothing on stderr".into()
    } else {
        stderr
    }
}

/// Reads to the end (a writer blocked on a full pipe never exits), keeping the first `cap`
/// bytes; returns them and how many were written in all.
fn read_capped(mut from: impl Read, cap: usize) -> (Vec<u8>, usize) {
    let mut kept = Vec::with_capacity(cap);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut written = 0;
    loop {
        match from.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                let room = cap.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&chunk[..room]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (kept, written)
}

/// The last [`STDERR_TAIL`] bytes, from a line start, trimmed.
fn read_tail(mut from: impl Read) -> String {
    let mut tail: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut cut = false;
    loop {
        match from.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                    cut = true;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&tail);
    let text = match text.split_once('\n') {
        Some((_, rest)) if cut => rest,
        _ => &text,
    };
    text.trim().to_owned()
}

/// SIGKILL to the tool's process group (its pid: it was started as the group's leader).
fn kill_group(pid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: killpg only sends a signal; a group already gone gives ESRCH, which is fine.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}
