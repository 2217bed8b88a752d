//! The QR decode on frames holding real codes (rendered by an encoder, on a noisy grey scene),
//! none, two, or too few bytes.

use super::camera::LumaFrame;
use super::qr_scan::{DecodeError, decode};
use super::test_frames::{HEIGHT, WIDTH, draw_code, empty_scene, scene_with_code};
use crate::hal::HalError;

/// The arena's base codes (course/maps/arena.toml).
const RED: &str = "RASPTANK-BASE-RED";
const BLUE: &str = "RASPTANK-BASE-BLUE";

#[test]
fn a_teams_code_in_view_decodes_to_exactly_that_code() {
    for code in [RED, BLUE] {
        assert_eq!(
            decode(&scene_with_code(code)).unwrap().as_deref(),
            Some(code)
        );
    }
}

#[test]
fn a_small_code_in_a_corner_still_decodes() {
    let mut frame = empty_scene();
    // 3 px a module: the code about 30 cm away at 640x480.
    draw_code(&mut frame, BLUE, 520, 370, 3);
    assert_eq!(decode(&frame).unwrap().as_deref(), Some(BLUE));
}

#[test]
fn a_frame_without_a_code_decodes_to_none() {
    assert_eq!(decode(&empty_scene()).unwrap(), None);
    let white = LumaFrame {
        width: WIDTH,
        height: HEIGHT,
        luma: vec![255; WIDTH * HEIGHT],
    };
    assert_eq!(decode(&white).unwrap(), None);
}

#[test]
fn with_two_codes_in_view_the_scan_returns_one_of_them_whole() {
    let mut frame = empty_scene();
    draw_code(&mut frame, RED, 10, 100, 5);
    draw_code(&mut frame, BLUE, 400, 100, 5);
    let code = decode(&frame).unwrap().expect("a code");
    assert!(code == RED || code == BLUE, "{code:?}");
}

#[test]
fn a_frame_shorter_than_its_size_is_an_error_naming_both_sizes() {
    let mut frame = scene_with_code(RED);
    frame.luma.truncate(1000);
    let error = decode(&frame).unwrap_err();
    assert_eq!(
        error,
        DecodeError::FrameSize {
            width: 640,
            height: 480,
            expected: 307_200,
            got: 1000
        }
    );
    let message = HalError::from(error).to_string();
    assert!(
        message.contains("640x480") && message.contains("307200") && message.contains("1000"),
        "{message}"
    );
}
