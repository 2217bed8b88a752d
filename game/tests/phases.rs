//! Registration, the phases of a game and its view, as tables of timed messages and answers.

mod support;

use fleet_game::{Game, GameConfig, GameError, Ignored, Phase, Team, TeamAssignment};
use support::{B1, B2, R1, R2, Table, flag, id, msgs, qr, running, secs, shots};

#[test]
fn registration_balances_the_teams_and_gives_each_its_own_qr_code_then_end() {
    let mut t = Table::new(Game::new(GameConfig::named("test")).unwrap());
    let answers = [
        (R1, "TEAM RED", "QR_CODE RED_BASE"),
        (B1, "TEAM BLUE", "QR_CODE BLUE_BASE"),
        (R2, "TEAM RED", "QR_CODE RED_BASE"),
        (B2, "TEAM BLUE", "QR_CODE BLUE_BASE"),
    ];
    for (robot, team, code) in answers {
        let init = format!("tanks/{robot}/init");
        assert_eq!(
            t.send(0.0, "init", &format!("INIT {robot}")),
            msgs(&[(&init, team), (&init, code), (&init, "END")])
        );
    }
    assert_eq!(t.game.team_players(Team::Red).count(), 2);
    assert_eq!(t.game.team_players(Team::Blue).count(), 2);
}

#[test]
fn a_late_init_is_refused_after_start_but_a_registered_robot_that_restarted_keeps_its_team() {
    let mut t = running();
    let late = "0xcc0000000001";
    assert_eq!(
        t.send(1.0, "init", &format!("INIT {late}")),
        msgs(&[(&format!("tanks/{late}/init"), "GAME_ALREADY_STARTED")])
    );
    assert!(t.game.player(&id(late)).is_none());
    let init = format!("tanks/{B1}/init");
    assert_eq!(
        t.send(1.0, "init", &format!("INIT {B1}")),
        msgs(&[
            (&init, "TEAM BLUE"),
            (&init, "QR_CODE BLUE_BASE"),
            (&init, "END")
        ])
    );
}

#[test]
fn play_before_start_from_strangers_or_after_the_end_is_ignored_with_a_reason() {
    let mut t = Table::new(Game::new(GameConfig::named("test")).unwrap());
    t.register(&[R1, B1]);
    let table = [
        (flag(R1), "ENTER_FLAG_AREA", Ignored::NotStarted),
        (qr(R1), "QR_CODE RED_BASE", Ignored::NotStarted),
    ];
    for (topic, payload, reason) in &table {
        assert!(t.send(0.5, topic, payload).is_empty());
        assert_eq!(t.game.last_ignored(), Some(*reason));
    }
    t.start(1.0);
    let stranger = "0xcc0000000009";
    let table = [
        (
            flag(stranger),
            "ENTER_FLAG_AREA".to_owned(),
            Ignored::UnknownRobot,
        ),
        (flag(R1), "EXIT_FLAG_AREA".to_owned(), Ignored::NotInZone),
        (
            shots(R1),
            format!("SHOT_BY 0xf1{}", &stranger[2..]),
            Ignored::UnknownShooter,
        ),
        (
            shots(R1),
            format!("SHOT_BY 0xf1{}", &R1[2..]),
            Ignored::SelfShot,
        ),
    ];
    for (topic, payload, reason) in &table {
        assert!(t.send(2.0, topic, payload).is_empty(), "{topic} {payload}");
        assert_eq!(t.game.last_ignored(), Some(*reason));
    }
    // What does not parse is counted by the caller against the game, shown in its view.
    for (topic, payload) in [("init", "INIT"), ("init", "\u{0}garbage"), ("init", "INIT")] {
        let error = fleet_game::Inbound::parse(topic, payload.as_bytes()).unwrap_err();
        t.game.count_refused(&error);
    }
    let view = serde_json::to_value(t.game.view(t.at(2.0))).unwrap();
    assert_eq!(
        view["refused"],
        serde_json::json!({"missing_argument": 2, "unknown_verb": 1})
    );
    assert_eq!(view["ignored"]["self_shot"], 1);
    t.game.end(t.at(3.0)).unwrap();
    assert!(t.send(4.0, &flag(R1), "ENTER_FLAG_AREA").is_empty());
    assert!(t.send(4.0, "init", &format!("INIT {R1}")).is_empty());
    assert_eq!(t.game.last_ignored(), Some(Ignored::Ended));
    assert_eq!(t.game.ignored()[&Ignored::NotStarted], 2);
    assert_eq!(t.game.ignored()[&Ignored::Ended], 2);
}

#[test]
fn a_pause_stops_the_capture_clock_and_a_robot_leaving_meanwhile_still_aborts() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    t.send(1.0, &flag(B1), "ENTER_FLAG_AREA");
    t.game.pause(t.at(2.0)).unwrap();
    assert_eq!(t.game.next_deadline(), None);
    assert!(t.tick(20.0).is_empty());
    assert!(t.send(20.0, &qr(B2), "QR_CODE BLUE_BASE").is_empty());
    assert_eq!(t.game.last_ignored(), Some(Ignored::Paused));
    assert_eq!(
        t.send(21.0, &flag(B1), "EXIT_FLAG_AREA"),
        msgs(&[(&flag(B1), "ABORT_CATCHING_EXIT")])
    );
    t.game.resume(t.at(32.0)).unwrap();
    // 4 s were left at the pause.
    assert_eq!(t.game.next_deadline(), Some(t.at(36.0)));
    assert_eq!(t.tick(36.0), msgs(&[(&flag(R1), "FLAG_CATCHED")]));
}

#[test]
fn a_roster_game_takes_teams_from_the_roster_and_refuses_robots_not_on_it() {
    let mut config = GameConfig::named("roster");
    config.teams = TeamAssignment::Roster([(id(R1), Team::Blue), (id(R2), Team::Blue)].into());
    let mut t = Table::new(Game::new(config).unwrap());
    let init = format!("tanks/{R1}/init");
    assert_eq!(
        t.send(0.0, "init", &format!("INIT {R1}"))[0],
        (init, "TEAM BLUE".to_owned())
    );
    assert!(t.send(0.0, "init", &format!("INIT {B1}")).is_empty());
    assert_eq!(t.game.last_ignored(), Some(Ignored::NotOnRoster));
}

#[test]
fn phase_changes_out_of_order_are_refused_and_bad_settings_named() {
    let mut t = running();
    let now = t.at(1.0);
    assert_eq!(
        t.game.start(now),
        Err(GameError::WrongPhase {
            action: "start",
            phase: Phase::Running
        })
    );
    assert!(t.game.resume(now).is_err());
    t.game.pause(now).unwrap();
    assert!(t.game.pause(now).is_err());
    t.game.end(now).unwrap();
    assert!(t.game.end(now).is_err());
    assert!(t.game.resume(now).is_err());

    let bad = [
        GameConfig {
            flags_to_win: 0,
            ..GameConfig::named("x")
        },
        GameConfig {
            capture_time: secs(0.0),
            ..GameConfig::named("x")
        },
        GameConfig {
            red_qr_code: "BLUE_BASE".into(),
            ..GameConfig::named("x")
        },
        GameConfig {
            blue_qr_code: "TWO WORDS".into(),
            ..GameConfig::named("x")
        },
        GameConfig::named(" "),
    ];
    for config in bad {
        assert!(matches!(Game::new(config), Err(GameError::Config(_))));
    }
}

#[test]
fn the_view_shows_the_flag_being_captured_with_its_countdown_and_serialises() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    let view = t.game.view(t.at(2.5));
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["phase"], "running");
    assert_eq!(json["flag"]["state"], "being_captured");
    assert_eq!(json["flag"]["by"][0]["id"], R1);
    assert_eq!(json["flag"]["by"][0]["left_ms"], 3500);
    assert_eq!(json["teams"][0]["team"], "red");
    assert_eq!(json["teams"][0]["qr_code"], "RED_BASE");
    assert_eq!(json["teams"][0]["players"], serde_json::json!([R1, R2]));
    t.tick(6.0);
    let json = serde_json::to_value(t.game.view(t.at(6.0))).unwrap();
    assert_eq!(
        json["flag"],
        serde_json::json!({"state": "carried", "by": R1})
    );
}
