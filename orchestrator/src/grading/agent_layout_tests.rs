//! The fast path against serde: on every payload it accepts, the values serde reads, to the bit.

use fleet_protocol::{LedColour, Telemetry, encode};

use super::*;

/// serde's reading of the same fields: the slim decode's other path.
fn by_serde(payload: &[u8]) -> Option<AgentTelemetry> {
    super::super::slim::by_serde(payload).ok()
}

/// The two readings, their floats compared bit for bit (`-0.0` is not `0.0` here).
fn same(a: &AgentTelemetry, b: &AgentTelemetry) -> bool {
    let pose_bits =
        |p: &Option<Pose>| p.map(|p| [p.x.to_bits(), p.y.to_bits(), p.heading.to_bits()]);
    a.v == b.v
        && a.seq == b.seq
        && a.mode == b.mode
        && a.line == b.line
        && a.motors.left.to_bits() == b.motors.left.to_bits()
        && a.motors.right.to_bits() == b.motors.right.to_bits()
        && pose_bits(&a.pose) == pose_bits(&b.pose)
}

/// A small deterministic generator (xorshift), so a failure repeats.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A float of any magnitude a pose or motor holds, often with 16-17 significant digits.
    fn float(&mut self, scale: f64) -> f64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (unit * 2.0 - 1.0) * scale
    }
}

fn telemetry(n: &mut Numbers, i: u64) -> Telemetry {
    let mut t = Telemetry::new(n.next() >> (i % 64), n.next() >> 20);
    t.mode = [
        RobotMode::Idle,
        RobotMode::Driving,
        RobotMode::LineFollow,
        RobotMode::Estopped,
    ][(i % 4) as usize];
    t.line = LineReading {
        left: i.is_multiple_of(2),
        middle: i.is_multiple_of(3),
        right: i.is_multiple_of(5),
    };
    t.motors = MotorOutput {
        left: n.float(1.0) as f32,
        right: [0.0, -0.0, 0.5, n.float(1.0)][(i % 4) as usize] as f32,
    };
    t.servos.arm = n.float(180.0) as f32;
    t.servos.claw = [0.0, 90.0, 1e-9, 1e30][(i % 4) as usize];
    t.battery_v = (!i.is_multiple_of(3)).then(|| n.float(9.0) as f32);
    t.pose = (!i.is_multiple_of(5)).then(|| Pose {
        x: n.float(3.0),
        y: [n.float(2.0), 0.0, -0.0, n.float(1e-3)][(i % 4) as usize],
        heading: n.float(std::f64::consts::PI),
    });
    t.leds = (i.is_multiple_of(7)).then_some(LedColour {
        r: 255,
        g: 0,
        b: 17,
    });
    t
}

#[test]
fn every_payload_the_agent_writes_takes_the_fast_path_and_reads_as_serde_reads_it() {
    let mut n = Numbers(0x9E37_79B9_7F4A_7C15);
    let mut with_exponent = 0;
    for i in 0..50_000 {
        let payload = encode(&telemetry(&mut n, i));
        let expected = by_serde(&payload).expect("serde reads the agent's payload");
        match read(&payload) {
            Some(fast) => assert!(
                same(&fast, &expected),
                "{}\nfast  {fast:?}\nserde {expected:?}",
                String::from_utf8_lossy(&payload)
            ),
            // Only a float serde_json writes with an exponent leaves the fast path.
            None => {
                let text = String::from_utf8_lossy(&payload);
                let exponent = text
                    .as_bytes()
                    .windows(2)
                    .any(|w| w[0].is_ascii_digit() && w[1] == b'e');
                assert!(exponent, "{text}");
                with_exponent += 1;
            }
        }
    }
    assert!(
        with_exponent < 1_000,
        "{with_exponent} payloads left the fast path"
    );
}

#[test]
fn a_payload_in_another_layout_leaves_the_fast_path_and_serde_still_reads_it() {
    let mut t = Telemetry::new(7, 1_000);
    t.pose = Some(Pose {
        x: 0.25,
        y: -1.5,
        heading: 3.0,
    });
    let good = String::from_utf8(encode(&t)).unwrap();
    assert!(read(good.as_bytes()).is_some(), "{good}");
    let other_layouts = [
        good.replace(",\"seq\"", ", \"seq\""),
        good.replace("{\"v\":1,\"seq\":7,", "{\"seq\":7,\"v\":1,"),
        good.replace("\"x\":0.25", "\"x\":2.5e-1"),
        good.replace("\"x\":0.25", "\"x\":1"),
        good.replace("\"idle\"", "\"\\u0069dle\""),
        format!("{good} "),
        good.replace(
            ",\"pose\":{\"x\":0.25,\"y\":-1.5,\"heading\":3.0}",
            ",\"pose\":null",
        ),
        good.replace("}}", "},\"extra\":true}"),
    ];
    for payload in other_layouts {
        assert_eq!(read(payload.as_bytes()), None, "{payload}");
        assert!(by_serde(payload.as_bytes()).is_some(), "{payload}");
    }
}

#[test]
fn no_byte_changed_in_a_payload_makes_the_fast_path_read_what_serde_does_not() {
    let mut n = Numbers(0xD1B5_4A32_D192_ED03);
    let alphabet = b"0123456789-+.eE\"{}[],:tfnulx \\";
    let mut accepted = 0;
    for i in 0..2_000 {
        let good = encode(&telemetry(&mut n, i));
        for _ in 0..20 {
            let mut bad = good.clone();
            let at = (n.next() % bad.len() as u64) as usize;
            match n.next() % 3 {
                0 => bad[at] = alphabet[(n.next() % alphabet.len() as u64) as usize],
                1 => {
                    bad.remove(at);
                }
                _ => bad.insert(at, alphabet[(n.next() % alphabet.len() as u64) as usize]),
            }
            if let Some(fast) = read(&bad) {
                accepted += 1;
                let serde = by_serde(&bad).unwrap_or_else(|| {
                    panic!(
                        "serde refuses what the fast path read: {}",
                        String::from_utf8_lossy(&bad)
                    )
                });
                assert!(same(&fast, &serde), "{}", String::from_utf8_lossy(&bad));
            }
        }
    }
    // Most changed digits still read: the test saw the fast path accept changed payloads.
    assert!(accepted > 2_000, "{accepted}");
}

#[test]
fn the_probe_tells_which_float_parse_serde_json_has() {
    // Whichever it is, the fast path's reading of the probe is serde's.
    let probe = "0.47960756426982587";
    let mut c = Cursor {
        bytes: probe.as_bytes(),
        at: 0,
    };
    let fast = c.decimal().expect("a decimal").f64();
    let serde: f64 = serde_json::from_str(probe).unwrap();
    assert_eq!(fast.to_bits(), serde.to_bits());
}

#[test]
fn eight_digits_at_once_read_as_one_at_a_time() {
    let mut n = Numbers(0x2545_F491_4F6C_DD1D);
    for _ in 0..100_000 {
        let text = format!("{:08}", n.next() % 100_000_000);
        let one_at_a_time = text.bytes().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        assert_eq!(eight_digits(text.as_bytes()), Some(one_at_a_time), "{text}");
    }
    for bad in [
        "1234567a",
        "/2345678",
        "12345:78",
        " 1234567",
        "1234567\u{7f}",
    ] {
        assert_eq!(eight_digits(bad.as_bytes()), None, "{bad}");
    }
    assert_eq!(eight_digits(b"1234567"), None, "seven bytes are not eight");
}
