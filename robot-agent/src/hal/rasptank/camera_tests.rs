//! The camera at its process boundary, against real stand-in executables (sh scripts) in place
//! of rpicam-still: the exact arguments, a YUV420 frame on stdout read back to its QR code, a
//! failing tool's stderr in the error, a hung tool killed at the timeout, a missing tool named.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::camera::{Camera, CameraError, arguments, find_program};
use super::config::CameraConfig;
use super::fake::FakeIo;
use super::qr_scan::CameraScanner;
use super::test_frames::{empty_scene, scene_with_code, yuv420};
use super::{RasptankConfig, RasptankError, build};
use crate::hal::{HalError, Scanner};

/// The stand-ins take the frame file (or the file to write a pid to) as their last argument,
/// which the tests pass through `extra_args`.
const FRAME: &str = r#"for last; do :; done
want="-n -t 500 --width 640 --height 480 --encoding yuv420 -o - $last"
[ "$*" = "$want" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
echo "[0:01:02.345] [1234]  INFO Camera camera_manager.cpp:327 libcamera v0.3.2" >&2
cat "$last""#;
const TWICE: &str = r#"for last; do :; done
cat "$last" "$last""#;
const SILENT: &str = "exit 0";
const FAILS: &str = r#"echo "[0:01:02.345] [1234]  INFO Camera camera_manager.cpp:327 libcamera v0.3.2" >&2
echo "ERROR: *** no cameras available ***" >&2
exit 1"#;
/// A wrapper whose child holds stdout open: killing only the script would leave the scan
/// waiting for the pipe to close.
const HANGS: &str = r#"for last; do :; done
sleep 30 &
echo $! > "$last"
wait"#;

/// The stand-ins, written once before any test runs one: a script written while another
/// thread forks can fail to exec ("text file busy"), so none is written after the first spawn.
fn stand_ins() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("robot-agent-camera-stand-ins-")
            .tempdir()
            .expect("a temp dir")
            .keep();
        for (name, body) in [
            ("rpicam-still", FRAME),
            ("twice", TWICE),
            ("fails", FAILS),
            ("silent", SILENT),
            ("hangs", HANGS),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write a stand-in");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    })
}

fn config_with_last_arg(last: &Path) -> CameraConfig {
    CameraConfig {
        enabled: true,
        extra_args: vec![last.display().to_string()],
        ..CameraConfig::default()
    }
}

/// A camera running stand-in `name`, the frame file `frame` as its last argument.
fn camera(name: &str, frame: &Path) -> Camera {
    Camera::with_program(stand_ins().join(name), &config_with_last_arg(frame))
}

fn frame_file(dir: &tempfile::TempDir, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join("frame.yuv");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_capture_runs_rpicam_still_for_one_yuv420_frame_on_stdout_without_preview() {
    let args = arguments(&CameraConfig::default());
    assert_eq!(
        args,
        [
            "-n",
            "-t",
            "500",
            "--width",
            "640",
            "--height",
            "480",
            "--encoding",
            "yuv420",
            "-o",
            "-"
        ]
    );
    let config = CameraConfig {
        settle_ms: 200,
        width: 320,
        height: 240,
        extra_args: vec!["--shutter".into(), "8000".into()],
        ..CameraConfig::default()
    };
    assert_eq!(
        arguments(&config).join(" "),
        "-n -t 200 --width 320 --height 240 --encoding yuv420 -o - --shutter 8000"
    );
}

#[test]
fn the_scanner_reads_the_code_from_the_frame_the_tool_writes() {
    let dir = tempfile::tempdir().unwrap();
    let frame = frame_file(&dir, &yuv420(&scene_with_code("RASPTANK-BASE-RED")));
    let mut scanner = CameraScanner::new(camera("rpicam-still", &frame));
    assert_eq!(
        scanner.scan().unwrap().as_deref(),
        Some("RASPTANK-BASE-RED")
    );

    let empty = frame_file(&dir, &yuv420(&empty_scene()));
    let mut scanner = CameraScanner::new(camera("rpicam-still", &empty));
    assert_eq!(scanner.scan().unwrap(), None);
}

#[test]
fn only_the_luma_plane_of_the_frame_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let scene = scene_with_code("RASPTANK-BASE-BLUE");
    let frame = frame_file(&dir, &yuv420(&scene));
    let captured = camera("rpicam-still", &frame).capture().unwrap();
    assert_eq!((captured.width, captured.height), (640, 480));
    assert_eq!(captured.luma, scene.luma);
}

#[test]
fn a_failing_tool_is_an_error_carrying_its_exit_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let frame = frame_file(&dir, &[]);
    let mut scanner = CameraScanner::new(camera("fails", &frame));
    let error = scanner.scan().unwrap_err();
    let HalError::Camera(message) = &error else {
        panic!("a camera error, not {error:?}")
    };
    assert!(
        message.contains("fails failed (exit status: 1)")
            && message.contains("ERROR: *** no cameras available ***"),
        "{message}"
    );
}

#[test]
fn arguments_other_than_the_expected_ones_are_what_the_stand_in_refuses() {
    // The stand-in's own check, so the success tests above prove the argv it saw.
    let dir = tempfile::tempdir().unwrap();
    let frame = frame_file(&dir, &yuv420(&empty_scene()));
    let mut config = config_with_last_arg(&frame);
    config.width = 320;
    let error = Camera::with_program(stand_ins().join("rpicam-still"), &config)
        .capture()
        .unwrap_err();
    assert!(
        matches!(&error, CameraError::Failed { stderr, .. } if stderr.contains("unexpected arguments: -n -t 500 --width 320")),
        "{error}"
    );
}

#[test]
fn a_short_or_long_frame_is_an_error_naming_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let short = frame_file(&dir, &[0x80; 1000]);
    let error = camera("rpicam-still", &short).capture().unwrap_err();
    assert!(
        matches!(
            error,
            CameraError::ShortFrame {
                got: 1000,
                expected: 460_800,
                width: 640,
                height: 480,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("640x480 YUV420 frame (460800 bytes)")
    );

    let frame = frame_file(&dir, &yuv420(&empty_scene()));
    let error = camera("twice", &frame).capture().unwrap_err();
    assert!(
        matches!(
            error,
            CameraError::LongFrame {
                got: 921_600,
                expected: 460_800,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_tool_that_writes_nothing_is_an_error_saying_it_may_be_too_old() {
    let dir = tempfile::tempdir().unwrap();
    let frame = frame_file(&dir, &[]);
    let error = camera("silent", &frame).capture().unwrap_err();
    assert!(matches!(error, CameraError::NoFrame { .. }), "{error}");
    assert!(error.to_string().contains("November 2022"), "{error}");
}

/// Whether process `pid` is gone (reaped, or a zombie waiting for its new parent to reap it).
fn is_dead(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_hung_tool_is_killed_with_its_children_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let config = CameraConfig {
        settle_ms: 1,
        timeout_ms: 300,
        ..config_with_last_arg(&pid_file)
    };
    let camera = Camera::with_program(stand_ins().join("hangs"), &config);
    let started = Instant::now();
    let error = camera.capture().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            error,
            CameraError::TimedOut {
                timeout_ms: 300,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("no frame within 300 ms and was killed")
    );
    // Not blocked on the pipe the child still held: back within the timeout and a margin.
    assert!(took < Duration::from_secs(3), "took {took:?}");

    let pid = std::fs::read_to_string(&pid_file).expect("the stand-in started its child");
    let pid = pid.trim();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !is_dead(pid) {
        assert!(
            Instant::now() < deadline,
            "the tool's child {pid} is still running"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_missing_tool_is_an_error_naming_it() {
    let missing = stand_ins().join("no-such-camera-tool");
    let error = Camera::with_program(&missing, &CameraConfig::default())
        .capture()
        .unwrap_err();
    assert!(
        matches!(&error, CameraError::Spawn { program, reason }
            if program.ends_with("no-such-camera-tool") && reason.contains("No such file")),
        "{error}"
    );
}

#[test]
fn the_first_installed_command_is_the_one_found() {
    let dir = stand_ins();
    let commands = ["no-such-camera-tool".to_owned(), "rpicam-still".to_owned()];
    // Looked up on the PATH given: the first is nowhere, the second in the stand-ins' folder.
    let path = std::env::join_paths([Path::new("/nonexistent"), dir]).unwrap();
    assert_eq!(
        find_program(&commands, Some(&path)),
        Some(dir.join("rpicam-still"))
    );
    // A name with a slash is taken as a path.
    let by_path = [dir.join("fails").display().to_string()];
    assert_eq!(find_program(&by_path, None), Some(dir.join("fails")));
    assert_eq!(find_program(&commands[..1], Some(&path)), None);
}

#[test]
fn with_the_camera_enabled_the_bundle_has_a_scanner_on_the_found_tool() {
    let dir = tempfile::tempdir().unwrap();
    let frame = frame_file(&dir, &yuv420(&scene_with_code("RASPTANK-BASE-BLUE")));
    let config = RasptankConfig {
        camera: CameraConfig {
            commands: vec![stand_ins().join("rpicam-still").display().to_string()],
            ..config_with_last_arg(&frame)
        },
        ..RasptankConfig::default()
    };
    let mut hw = build(&config, &mut FakeIo::default()).unwrap();
    let scanner = hw.scanner.as_mut().expect("a scanner");
    assert_eq!(
        scanner.scan().unwrap().as_deref(),
        Some("RASPTANK-BASE-BLUE")
    );

    assert!(
        build(&RasptankConfig::default(), &mut FakeIo::default())
            .unwrap()
            .scanner
            .is_none()
    );
}

#[test]
fn with_the_camera_enabled_and_no_tool_installed_the_backend_refuses_to_start() {
    let mut config = RasptankConfig::default();
    config.camera.enabled = true;
    config.camera.commands = vec![
        "no-such-camera-tool".into(),
        "/nonexistent/libcamera-still".into(),
    ];
    let mut io = FakeIo::default();
    let error = build(&config, &mut io).err().expect("refused");
    assert!(
        matches!(&error, RasptankError::Camera(CameraError::NotInstalled { tried }) if tried.len() == 2),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("no-such-camera-tool, /nonexistent/libcamera-still")
            && message.contains("rpicam-apps"),
        "{message}"
    );
    assert!(io.log.take().is_empty(), "no pin claimed");
}
