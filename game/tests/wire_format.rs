//! The legacy protocol's wire format: every message a robot sends parses to its type and back,
//! every answer formats to the reference master's exact (topic, payload) and back, and hostile
//! input is refused with a reason to count.

mod support;

use fleet_game::{Answer, Inbound, Outbound, ParseError, Team, Weapon};
use support::id;

const MAC: &str = "0xdca632bf91cc";
const OTHER: &str = "0xb827eb123456";

#[test]
fn every_robot_message_parses_to_its_type_and_formats_back_to_the_same_bytes() {
    let table = [
        ("init", "INIT 0xdca632bf91cc", Inbound::Init { id: id(MAC) }),
        (
            "tanks/0xdca632bf91cc/flag",
            "ENTER_FLAG_AREA",
            Inbound::EnterFlagArea { id: id(MAC) },
        ),
        (
            "tanks/0xdca632bf91cc/flag",
            "EXIT_FLAG_AREA",
            Inbound::ExitFlagArea { id: id(MAC) },
        ),
        (
            "tanks/0xdca632bf91cc/shots",
            "SHOT_BY 0xf1b827eb123456",
            Inbound::ShotBy {
                victim: id(MAC),
                shooter: id(OTHER),
                weapon: Weapon::Laser,
            },
        ),
        (
            "tanks/0xdca632bf91cc/qr_code",
            "QR_CODE RED_BASE",
            Inbound::QrCode {
                id: id(MAC),
                code: "RED_BASE".to_owned(),
            },
        ),
    ];
    for (topic, payload, expected) in table {
        let parsed = Inbound::parse(topic, payload.as_bytes()).unwrap();
        assert_eq!(parsed, expected, "{topic} {payload}");
        assert_eq!(parsed.to_wire(), (topic.to_owned(), payload.to_owned()));
    }
}

#[test]
fn extra_words_and_spaces_are_tolerated_as_the_reference_splits_payloads() {
    let parsed = Inbound::parse("init", b"INIT 0xdca632bf91cc extra\n").unwrap();
    assert_eq!(parsed, Inbound::Init { id: id(MAC) });
    let parsed = Inbound::parse("tanks/0xdca632bf91cc/flag", b" ENTER_FLAG_AREA ").unwrap();
    assert_eq!(parsed, Inbound::EnterFlagArea { id: id(MAC) });
}

#[test]
fn every_answer_goes_to_the_reference_topic_with_the_reference_words() {
    let to = id(MAC);
    let table = [
        (Answer::Team(Team::Red), "init", "TEAM RED"),
        (Answer::Team(Team::Blue), "init", "TEAM BLUE"),
        (
            Answer::QrCode("RED_BASE".into()),
            "init",
            "QR_CODE RED_BASE",
        ),
        (Answer::End, "init", "END"),
        (Answer::GameAlreadyStarted, "init", "GAME_ALREADY_STARTED"),
        (Answer::StartCatching, "flag", "START_CATCHING"),
        (Answer::AlreadyGot, "flag", "ALREADY_GOT"),
        (Answer::NotOnbase, "flag", "NOT_ONBASE"),
        (Answer::AbortCatchingExit, "flag", "ABORT_CATCHING_EXIT"),
        (Answer::AbortCatchingShot, "flag", "ABORT_CATCHING_SHOT"),
        (Answer::FlagCatched, "flag", "FLAG_CATCHED"),
        (Answer::FlagLost, "flag", "FLAG_LOST"),
        (Answer::FlagDeposited, "flag", "FLAG_DEPOSITED"),
        (Answer::NoFlag, "flag", "NO_FLAG"),
        (Answer::Win(Team::Blue), "flag", "WIN BLUE"),
        (Answer::ShotIn, "shots/in", "SHOT"),
        (Answer::ShotOut, "shots/out", "SHOT"),
        (Answer::FriendlyFire, "shots/out", "FRIENDLY_FIRE"),
        (Answer::ScanSuccessful, "qr_code", "SCAN_SUCCESSFUL"),
        (Answer::ScanFailed, "qr_code", "SCAN_FAILED"),
    ];
    for (answer, tail, payload) in table {
        let out = Outbound::new(&to, answer);
        let wire = out.to_wire();
        assert_eq!(wire, (format!("tanks/{MAC}/{tail}"), payload.to_owned()));
        assert_eq!(Outbound::parse(&wire.0, wire.1.as_bytes()), Ok(out));
    }
}

#[test]
fn the_masters_own_answers_heard_back_are_told_apart_from_garbage() {
    let flag = "tanks/0xdca632bf91cc/flag";
    let qr = "tanks/0xdca632bf91cc/qr_code";
    for (topic, payload) in [
        (flag, "START_CATCHING"),
        (flag, "WIN RED"),
        (qr, "SCAN_FAILED"),
    ] {
        let error = Inbound::parse(topic, payload.as_bytes()).unwrap_err();
        assert_eq!(error.reason(), "echo", "{topic} {payload}");
    }
    let error = Inbound::parse(flag, b"DANCE").unwrap_err();
    assert_eq!(error.reason(), "unknown_verb");
}

#[test]
fn hostile_input_is_refused_with_a_reason() {
    let long_id = format!("INIT 0x{}", "a".repeat(80));
    let huge = "A".repeat(300);
    let table: [(&str, &[u8], &str); 20] = [
        ("init", b"INIT", "missing_argument"),
        ("init", b"", "empty_payload"),
        ("init", b"   ", "empty_payload"),
        ("init", b"INIT 0x/evil", "bad_id"),
        ("init", b"INIT +", "bad_id"),
        ("init", b"INIT #", "bad_id"),
        ("init", long_id.as_bytes(), "bad_id"),
        ("init", huge.as_bytes(), "payload_too_large"),
        ("init", b"\xff\xfe", "not_utf8"),
        ("init", b"HELLO", "unknown_verb"),
        ("tanks/+/flag", b"ENTER_FLAG_AREA", "bad_id"),
        ("tanks//flag", b"ENTER_FLAG_AREA", "bad_id"),
        ("tanks/0xdca632bf91cc/score", b"1", "unknown_topic"),
        ("tanks/0xdca632bf91cc/shots/in", b"SHOT", "unknown_topic"),
        ("tanks/0xdca632bf91cc/shots", b"SHOT_BY", "missing_argument"),
        (
            "tanks/0xdca632bf91cc/shots",
            b"SHOT_BY f1dca632",
            "bad_shot",
        ),
        ("tanks/0xdca632bf91cc/shots", b"SHOT_BY 0xf1", "bad_shot"),
        ("tanks/0xdca632bf91cc/shots", b"SHOT_BY 0xf1zz", "bad_shot"),
        (
            "tanks/0xdca632bf91cc/shots",
            b"SHOT_BY 0xa0dca632bf91cc",
            "unknown_weapon",
        ),
        (
            "tanks/0xdca632bf91cc/qr_code",
            b"QR_CODE",
            "missing_argument",
        ),
    ];
    for (topic, payload, reason) in table {
        let error: ParseError = Inbound::parse(topic, payload).unwrap_err();
        assert_eq!(error.reason(), reason, "{topic} {payload:?}: {error}");
    }
}

#[test]
fn a_shot_with_a_multibyte_character_where_the_weapon_is_is_refused_not_a_panic() {
    let error = Inbound::parse("tanks/0xdca632bf91cc/shots", "SHOT_BY 0xé1aa".as_bytes());
    assert_eq!(error.unwrap_err().reason(), "bad_shot");
}
