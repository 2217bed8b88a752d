//! The IR add-on in the bundle [`build`] returns, at its boundary with the recording fakes: the
//! exact bytes a shot writes to the LIRC device, edges played with exact timings on the
//! receiver pin becoming a `SHOT_BY`, and every way the config or the device can be wrong.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::config::Level;
use super::fake::{FakeIo, FakeLirc, Log, Op};
use super::ir::{IrError, ThreadedGun};
use super::ir_lirc::{LIRC_SET_SEND_CARRIER, LIRC_SET_SEND_DUTY_CYCLE, LircGun, LircTx};
use super::*;
use crate::hal::Gun;

/// The 64 bits InfraLib sends for MAC `dc:a6:32:bf:91:cc`, worked by hand in ir_frame.rs.
pub(crate) const FRAME_DCA632BF91CC: u64 = 0x4747_394c_b2bf_91cc;

/// The durations of a frame, spelt out from its bits: the 9000/4500 us leader, a 562 us mark
/// and a 1686 us (1) or 562 us (0) space per bit, then the trailing `0`'s mark.
pub(crate) fn durations_of(frame: u64) -> Vec<u32> {
    let mut out = vec![9000, 4500];
    for bit in (0..64).rev() {
        out.push(562);
        out.push(if (frame >> bit) & 1 == 1 { 1686 } else { 562 });
    }
    out.push(562);
    out
}

/// The LIRC write as durations (native-endian u32s).
pub(crate) fn as_durations(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Waits (the gun sends from its own thread) for the next LIRC write in `log`.
pub(crate) fn next_write(log: &Log) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(bytes) = log.take().into_iter().find_map(|op| match op {
            Op::Write(bytes) => Some(bytes),
            _ => None,
        }) {
            return bytes;
        }
        assert!(Instant::now() < deadline, "no LIRC write within 5 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub(crate) fn ir_config() -> RasptankConfig {
    let mut config = RasptankConfig::default();
    config.ir.enabled = true;
    config.ir.mac = Some("dc:a6:32:bf:91:cc".into());
    config
}

#[test]
fn with_the_ir_enabled_a_shot_writes_the_courses_frame_to_lirc0_at_38_khz() {
    let mut io = FakeIo::default();
    let mut hw = build(&ir_config(), &mut io).unwrap();
    assert_eq!(io.opened_devices, ["/dev/lirc0"]);
    let setup = io.log.take();
    assert_eq!(
        setup[..2],
        [
            Op::Ioctl(LIRC_SET_SEND_CARRIER, 38_000),
            Op::Ioctl(LIRC_SET_SEND_DUTY_CYCLE, 33)
        ]
    );
    hw.gun.as_mut().expect("a gun").shoot().unwrap();
    let sent = as_durations(&next_write(&io.log));
    assert_eq!(sent.len(), 131);
    assert_eq!(sent, durations_of(FRAME_DCA632BF91CC));
}

/// Plays `durations` on an active-low receiver pin from `at`, each edge stamped exactly.
fn play(pin: &fake::FakeInput, mut at: Instant, durations: &[u32]) -> Instant {
    for (i, us) in durations.iter().enumerate() {
        pin.fire_at(i % 2 == 1, at);
        at += Duration::from_micros(u64::from(*us));
    }
    pin.fire_at(true, at);
    at
}

#[test]
fn edges_with_exact_mark_and_space_timings_on_gpio_22_become_a_shot_by_hit() {
    let mut io = FakeIo::default();
    io.inputs.insert(22, fake::FakeInput::with_level(true));
    let hw = build(&ir_config(), &mut io).unwrap();
    let mut hits = hw.hits.as_ref().expect("a receiver").hits();
    let pin = io.input_handle(22);
    // Another robot's shot, as InfraLib's pigpio waves stretch it: the leader mark 9234 us,
    // bit marks 567 us, spaces 18 us longer.
    let stretched: Vec<u32> = durations_of(FRAME_DCA632BF91CC)
        .iter()
        .enumerate()
        .map(|(i, us)| match i {
            0 => 9234,
            _ if i % 2 == 0 => 567,
            _ => us + 18,
        })
        .collect();
    let end = play(
        &pin,
        Instant::now() + Duration::from_millis(200),
        &stretched,
    );
    let hit = hits.try_recv().expect("a hit");
    assert_eq!(hit.shot_by(), "SHOT_BY 0xf1dca632bf91cc");
    // The same frame with one space read on the wrong side of 1000 us still names the shooter.
    let mut flipped = durations_of(FRAME_DCA632BF91CC);
    let bit_23 = 2 + 23 * 2 + 1;
    flipped[bit_23] = if flipped[bit_23] == 562 { 1686 } else { 562 };
    play(&pin, end + Duration::from_millis(100), &flipped);
    assert_eq!(hits.try_recv().expect("a hit").mac, 0xdca6_32bf_91cc);
}

#[test]
fn a_missing_lirc_device_is_a_clear_error_naming_the_overlay_and_no_pin_is_claimed() {
    let mut io = FakeIo::default();
    io.missing_devices.insert("/dev/lirc0".into());
    let error = build(&ir_config(), &mut io).err().expect("refused");
    assert!(
        matches!(
            error,
            RasptankError::Ir(IrError::Transmitter { gpio: 23, .. })
        ),
        "{error:?}"
    );
    let message = error.to_string();
    for part in [
        "/dev/lirc0",
        "dtoverlay=gpio-ir-tx,gpio_pin=23",
        "[rasptank.ir] enabled = false",
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(io.log.take().is_empty(), "a motor or servo was touched");
    assert!(io.inputs.is_empty());
}

#[test]
fn a_bad_or_missing_mac_and_a_pin_clash_are_refused_before_any_part_is_claimed() {
    let mut config = ir_config();
    config.ir.mac = Some("dc:a6:32:bf:91".into());
    let mut io = FakeIo::default();
    let error = build(&config, &mut io).err().expect("refused");
    assert!(
        matches!(&error, RasptankError::Config(ConfigError::IrMac(m)) if m == "dc:a6:32:bf:91"),
        "{error:?}"
    );
    config.ir.mac = None;
    let error = build(&config, &mut io).err().expect("refused");
    assert!(
        matches!(
            error,
            RasptankError::Ir(IrError::Config(ConfigError::NoIrMac))
        ),
        "{error:?}"
    );
    // The V4's left line sensor is on 22, where the course wires the receiver.
    let mut config = ir_config();
    config.line.left = 22;
    let error = build(&config, &mut io).err().expect("refused");
    assert!(
        matches!(
            error,
            RasptankError::Config(ConfigError::PinUsedTwice { gpio: 22, .. })
        ),
        "{error:?}"
    );
    assert!(io.log.take().is_empty());
    assert!(io.opened_devices.is_empty());
    // Off, the same pins are free and no device is opened.
    config.ir.enabled = false;
    let hw = build(&config, &mut io).unwrap();
    assert!(hw.gun.is_none() && hw.hits.is_none());
    assert!(io.opened_devices.is_empty());
}

#[test]
fn both_mac_spellings_are_read_and_anything_else_is_not() {
    assert_eq!(
        validate::parse_mac("dc:a6:32:bf:91:cc"),
        Some(0xdca6_32bf_91cc)
    );
    assert_eq!(
        validate::parse_mac("0xdca632bf91cc\n"),
        Some(0xdca6_32bf_91cc)
    );
    assert_eq!(
        validate::parse_mac("28:CD:C1:00:00:01"),
        Some(0x28cd_c100_0001)
    );
    for bad in [
        "",
        "dc:a6:32:bf:91",
        "dc:a6:32:bf:91:cc:00",
        "0xdca632bf91c",
        "d:ca6:32:bf:91:cc",
    ] {
        assert_eq!(validate::parse_mac(bad), None, "{bad}");
    }
}

/// A transmitter whose write takes as long as the test says (as a real one takes ~120 ms).
struct SlowLirc {
    inner: FakeLirc,
    go: mpsc::Receiver<()>,
}

impl LircTx for SlowLirc {
    fn ioctl(&mut self, request: u32, value: u32) -> Result<(), HalError> {
        self.inner.ioctl(request, value)
    }
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
        // Bounded, so a failing test cannot leave the gun's thread (joined on drop) waiting.
        let _ = self.go.recv_timeout(Duration::from_secs(10));
        self.inner.write(bytes)
    }
}

#[test]
fn a_shot_returns_at_once_and_a_second_one_while_the_first_is_on_the_air_is_refused() {
    let log = Log::default();
    let (go, wait) = mpsc::channel();
    let tx = SlowLirc {
        inner: log.lirc(),
        go: wait,
    };
    let mut gun = ThreadedGun::start(LircGun::open(tx, 0xdca6_32bf_91cc).unwrap());
    log.take();
    gun.shoot().unwrap();
    let busy = gun.shoot().unwrap_err();
    assert!(busy.to_string().contains("busy"), "{busy}");
    go.send(()).unwrap();
    assert_eq!(
        as_durations(&next_write(&log)),
        durations_of(FRAME_DCA632BF91CC)
    );
    // Free again once the frame is out.
    let deadline = Instant::now() + Duration::from_secs(5);
    while gun.shoot().is_err() {
        assert!(Instant::now() < deadline, "the gun stayed busy");
        std::thread::sleep(Duration::from_millis(2));
    }
    go.send(()).unwrap();
    next_write(&log);
    assert_eq!(gun.failures(), 0);
}

#[test]
fn the_receiver_level_is_configurable_for_an_active_high_module() {
    let mut config = ir_config();
    config.ir.rx_mark_level = Level::High;
    let mut io = FakeIo::default();
    io.inputs.insert(22, fake::FakeInput::with_level(false));
    let hw = build(&config, &mut io).unwrap();
    let mut hits = hw.hits.as_ref().expect("a receiver").hits();
    let pin = io.input_handle(22);
    // High during marks, low during spaces.
    let mut at = Instant::now() + Duration::from_millis(50);
    for (i, us) in durations_of(FRAME_DCA632BF91CC).iter().enumerate() {
        pin.fire_at(i % 2 == 0, at);
        at += Duration::from_micros(u64::from(*us));
    }
    pin.fire_at(false, at);
    assert_eq!(hits.try_recv().expect("a hit").mac, 0xdca6_32bf_91cc);
}

#[test]
fn an_unset_mac_is_the_course_style_id_else_the_wlan0_address_else_a_clear_error() {
    let sys = tempfile::tempdir().unwrap();
    std::fs::create_dir(sys.path().join("wlan0")).unwrap();
    std::fs::write(sys.path().join("wlan0/address"), "b8:27:eb:12:34:56\n").unwrap();
    let mut ir = ir_config().ir;
    ir.mac = None;

    let mut from_id = ir.clone();
    ir::resolve_mac(&mut from_id, "0xdca632bf91cc", sys.path()).unwrap();
    assert_eq!(from_id.mac.as_deref(), Some("0xdca632bf91cc"));

    let mut from_sys = ir.clone();
    ir::resolve_mac(&mut from_sys, "tank-07", sys.path()).unwrap();
    assert_eq!(from_sys.mac.as_deref(), Some("b8:27:eb:12:34:56"));

    let mut by_hand = ir.clone();
    by_hand.mac = Some("28:cd:c1:00:00:01".into());
    ir::resolve_mac(&mut by_hand, "0xdca632bf91cc", sys.path()).unwrap();
    assert_eq!(by_hand.mac.as_deref(), Some("28:cd:c1:00:00:01"));

    let mut no_wifi = ir.clone();
    no_wifi.mac_interface = "eth9".into();
    let error = ir::resolve_mac(&mut no_wifi, "tank-07", sys.path()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("eth9/address"), "{message}");
    assert!(message.contains("[rasptank.ir] mac"), "{message}");

    let mut off = ir;
    off.enabled = false;
    ir::resolve_mac(&mut off, "tank-07", Path::new("/nonexistent")).unwrap();
    assert_eq!(off.mac, None);
}
