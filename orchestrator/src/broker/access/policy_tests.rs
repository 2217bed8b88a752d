//! The access rules as a table: each row is a principal, an action and the expected answer.

use fleet_protocol::{RobotId, topic};

use super::policy::{ConnectRefusal, Principal};

fn id(raw: &str) -> RobotId {
    RobotId::parse(raw).unwrap()
}

fn robot(raw: &str) -> Principal {
    Principal::Robot(id(raw))
}

fn student(robot: &str) -> Principal {
    Principal::Student {
        student: "s-17".into(),
        robot: id(robot),
    }
}

#[test]
fn publishing_is_allowed_only_as_the_table_says() {
    let table: &[(Principal, &str, bool)] = &[
        (robot("r1"), "robots/r1/status", true),
        (robot("r1"), "robots/r1/telemetry", true),
        (robot("r1"), "robots/r1/events", true),
        (robot("r1"), "robots/r1/ack", true),
        (robot("r1"), "robots/r1/cmd", false),
        (robot("r1"), "robots/r2/telemetry", false),
        (robot("r1"), "robots/r2/cmd", false),
        (robot("r1"), "robots/r2/status", false),
        (robot("r1"), "fleet/cmd", false),
        (robot("r1"), "fleet/heartbeat", false),
        (robot("r1"), "robots/r1/status/extra", false),
        (robot("r1"), "robots/r1x/status", false),
        (robot("r1"), "other/topic", false),
        (robot("r1"), "$SYS/brokers", false),
        (student("r1"), "students/s-17/cmd", true),
        (student("r1"), "students/s-18/cmd", false),
        (student("r1"), "students/s-17/answer", false),
        (student("r1"), "robots/r1/cmd", false),
        (student("r1"), "robots/r2/cmd", false),
        (student("r1"), "robots/r1/telemetry", false),
        (student("r1"), "robots/r1/status", false),
        (student("r1"), "fleet/cmd", false),
        (Principal::Orchestrator, "fleet/cmd", true),
        (Principal::Orchestrator, "fleet/heartbeat", true),
        (Principal::Orchestrator, "robots/r2/cmd", true),
        (Principal::Legacy(id("g1")), "robots/g1/telemetry", false),
        (Principal::Legacy(id("g1")), "fleet/cmd", false),
        (Principal::Legacy(id("g1")), "init", true),
        (Principal::Legacy(id("g1")), "tanks/g1/flag", true),
        (Principal::Legacy(id("g1")), "tanks/g1/shots", true),
        (Principal::Legacy(id("g1")), "tanks/g1/qr_code", true),
        (Principal::Legacy(id("g1")), "tanks/g2/flag", false),
        (Principal::Legacy(id("g1")), "tanks/g1/init", false),
        (Principal::Legacy(id("g1")), "tanks/g1/shots/in", false),
        (Principal::Legacy(id("g1")), "tanks/g2/shots/out", false),
        (Principal::Legacy(id("g1")), "tanks/g1/score", false),
        // A robot's credential plays the game as itself (a students' robot is enrolled as one).
        (robot("g1"), "tanks/g1/flag", true),
        (robot("g1"), "init", true),
        (robot("g1"), "tanks/g2/flag", false),
        (robot("g1"), "tanks/g1/shots/in", false),
        (student("g1"), "tanks/g1/flag", false),
        (student("g1"), "init", false),
    ];
    for (who, t, allowed) in table {
        assert_eq!(who.may_publish(t), *allowed, "{who} publishing on {t}");
    }
}

#[test]
fn subscribing_is_allowed_only_as_the_table_says() {
    let table: &[(Principal, &str, bool)] = &[
        (robot("r1"), "robots/r1/cmd", true),
        (robot("r1"), topic::BROADCAST_CMD, true),
        (robot("r1"), topic::HEARTBEAT, true),
        (robot("r1"), "robots/r2/cmd", false),
        (robot("r1"), "robots/+/cmd", false),
        (robot("r1"), "robots/r1/#", false),
        (robot("r1"), "robots/r1/telemetry", false),
        (robot("r1"), "fleet/#", false),
        (robot("r1"), "#", false),
        (robot("r1"), "$share/g/robots/r1/cmd", false),
        (student("r1"), "robots/r1/telemetry", true),
        (student("r1"), "robots/r1/status", true),
        (student("r1"), "robots/r1/events", true),
        (student("r1"), "robots/r1/ack", true),
        (student("r1"), "robots/r1/+", true),
        (student("r1"), "robots/r1/#", true),
        (student("r1"), "robots/r2/telemetry", false),
        (student("r1"), "robots/+/telemetry", false),
        (student("r1"), "robots/#", false),
        (student("r1"), "#", false),
        (student("r1"), "robots/r1x/#", false),
        (student("r1"), "robots/r1/+/x", false),
        (student("r1"), "students/s-17/answer", true),
        (student("r1"), "students/s-18/answer", false),
        (student("r1"), "students/+/answer", false),
        (Principal::Orchestrator, "robots/+/telemetry", true),
        (Principal::Orchestrator, "#", true),
        (Principal::Legacy(id("g1")), "robots/g1/cmd", false),
        (Principal::Legacy(id("g1")), "tanks/g1/init", true),
        (Principal::Legacy(id("g1")), "tanks/g1/flag", true),
        (Principal::Legacy(id("g1")), "tanks/g1/shots/in", true),
        (Principal::Legacy(id("g1")), "tanks/g1/shots/out", true),
        (Principal::Legacy(id("g1")), "tanks/g1/qr_code", true),
        (Principal::Legacy(id("g1")), "tanks/g1/#", true),
        (Principal::Legacy(id("g1")), "tanks/g2/flag", false),
        (Principal::Legacy(id("g1")), "tanks/+/flag", false),
        (Principal::Legacy(id("g1")), "tanks/#", false),
        (Principal::Legacy(id("g1")), "init", false),
        (Principal::Legacy(id("g1")), "#", false),
    ];
    for (who, filter, allowed) in table {
        assert_eq!(
            who.may_subscribe(filter),
            *allowed,
            "{who} subscribing to {filter}"
        );
    }
}

#[test]
fn a_client_id_other_than_the_username_or_a_foreign_will_refuses_the_connection() {
    let r1 = robot("r1");
    assert_eq!(r1.may_connect("r1", "r1", Some("robots/r1/status")), Ok(()));
    assert_eq!(r1.may_connect("r1", "r1", None), Ok(()));
    assert_eq!(
        r1.may_connect("r2", "r1", None),
        Err(ConnectRefusal::ClientIdNotUsername)
    );
    assert_eq!(
        r1.may_connect("r1", "r1", Some("robots/r2/status")),
        Err(ConnectRefusal::Will("robots/r2/status".into()))
    );
    assert_eq!(
        r1.may_connect("r1", "r1", Some("fleet/cmd")),
        Err(ConnectRefusal::Will("fleet/cmd".into()))
    );
    assert!(
        student("r1")
            .may_connect("s-17", "s-17", Some("robots/r1/status"))
            .is_err()
    );
    assert!(
        Principal::Orchestrator
            .may_connect("orchestrator-1", "orchestrator-2", None)
            .is_err(),
        "the binding holds for the orchestrator too"
    );
}

#[test]
fn only_the_orchestrator_is_a_superuser() {
    assert!(Principal::Orchestrator.is_superuser());
    assert!(!robot("r1").is_superuser() && !student("r1").is_superuser());
    assert_eq!(robot("r1").to_string(), "robot:r1");
}

#[test]
fn a_robots_game_connection_connects_as_id_at_game_with_a_legacy_robots_rights_only() {
    let r1 = robot("0xdca632bf91cc");
    let (main, game) = ("0xdca632bf91cc", "0xdca632bf91cc@game");
    assert_eq!(r1.may_connect(game, main, None), Ok(()));
    for (client, username) in [
        ("0xdca632bf91cc@games", main),
        ("0xdca632bf91dd@game", main),
        ("@game", main),
    ] {
        assert_eq!(
            r1.may_connect(client, username, None),
            Err(ConnectRefusal::ClientIdNotUsername),
            "{client} as {username}"
        );
    }
    // Only a robot's credential has a game connection.
    assert!(
        student("r1")
            .may_connect("s-17@game", "s-17", None)
            .is_err()
    );
    assert!(
        Principal::Legacy(id("g1"))
            .may_connect("g1@game", "g1", None)
            .is_err()
    );
    assert!(
        Principal::Orchestrator
            .may_connect("o-1@game", "o-1", None)
            .is_err()
    );
    // Its will, if any, is judged with the rights it will have.
    assert!(
        r1.may_connect(game, main, Some("robots/0xdca632bf91cc/status"))
            .is_err()
    );

    let as_game = r1.acting_as(game, main);
    assert_eq!(*as_game, Principal::Legacy(id(main)));
    assert_eq!(*r1.acting_as(main, main), r1);
    for (t, allowed) in [
        ("init", true),
        ("tanks/0xdca632bf91cc/flag", true),
        ("tanks/0xdca632bf91cc/shots", true),
        ("tanks/0xdca632bf91dd/flag", false),
        ("robots/0xdca632bf91cc/telemetry", false),
        ("robots/0xdca632bf91cc/status", false),
    ] {
        assert_eq!(as_game.may_publish(t), allowed, "game connection on {t}");
    }
    assert!(as_game.may_subscribe("tanks/0xdca632bf91cc/#"));
    assert!(!as_game.may_subscribe("robots/0xdca632bf91cc/cmd"));
    // The main connection keeps the robot's rights, its own game topics among them.
    let as_main = r1.acting_as(main, main);
    assert!(as_main.may_publish("robots/0xdca632bf91cc/status"));
    assert!(as_main.may_publish("init") && as_main.may_subscribe("tanks/0xdca632bf91cc/#"));
    assert!(!as_main.may_subscribe("tanks/0xdca632bf91dd/#"));
}

#[test]
fn an_init_naming_another_robot_is_refused_and_garbage_on_init_still_reaches_the_master() {
    let g1 = Principal::Legacy(id("0xdca632bf9101"));
    let table: &[(&str, &[u8], bool)] = &[
        ("init", b"INIT 0xdca632bf9101", true),
        ("init", b"INIT 0xdca632bf9101 extra words", true),
        ("init", b"INIT 0xdca632bf9102", false),
        ("init", b"  INIT   0xdca632bf9102  ", false),
        ("init", b"INIT 0xdca632bf9102 0xdca632bf9101", false),
        // No valid id named: the master counts it as garbage, as without access control.
        ("init", b"INIT", true),
        ("init", b"", true),
        ("init", b"HELLO 0xdca632bf9102", true),
        ("init", b"INIT robots/+", true),
        ("init", &[0xff, 0xfe, 0x00], true),
        ("tanks/0xdca632bf9101/flag", b"ENTER_FLAG_AREA", true),
        ("tanks/0xdca632bf9102/flag", b"ENTER_FLAG_AREA", false),
    ];
    for (t, payload, allowed) in table {
        assert_eq!(
            g1.may_publish_message(t, payload),
            *allowed,
            "{:?} on {t}",
            String::from_utf8_lossy(payload)
        );
    }
    let r1 = robot("0xdca632bf9101");
    let game = r1.acting_as("0xdca632bf9101@game", "0xdca632bf9101");
    assert!(game.may_publish_message("init", b"INIT 0xdca632bf9101"));
    assert!(!game.may_publish_message("init", b"INIT 0xdca632bf9102"));
    // The robot's main connection (a students' robot on its enrolled credential) likewise.
    assert!(r1.may_publish_message("init", b"INIT 0xdca632bf9101"));
    assert!(!r1.may_publish_message("init", b"INIT 0xdca632bf9102"));
    assert!(Principal::Orchestrator.may_publish_message("init", b"INIT 0xdca632bf9102"));
}
