//! Every exchange of the game, as a table of (time, topic, payload) -> what the master publishes.

mod support;

use fleet_game::{Game, GameConfig, GameError, Ignored, Phase, Team, TeamAssignment};
use support::{Table, id, msgs, secs};

const R1: &str = "0xaa0000000001";
const B1: &str = "0xbb0000000001";
const R2: &str = "0xaa0000000002";
const B2: &str = "0xbb0000000002";

fn flag(raw: &str) -> String {
    format!("tanks/{raw}/flag")
}
fn shots(raw: &str) -> String {
    format!("tanks/{raw}/shots")
}
fn qr(raw: &str) -> String {
    format!("tanks/{raw}/qr_code")
}

/// Four robots registered (R1, B1, R2, B2 alternate teams) and the game started at 0 s.
fn running() -> Table {
    let mut table = Table::new(Game::new(GameConfig::named("test")).unwrap());
    table.register(&[R1, B1, R2, B2]);
    table.start(0.0);
    table
}

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
fn staying_the_capture_time_in_the_zone_takes_the_flag() {
    let mut t = running();
    assert_eq!(
        t.send(1.0, &flag(R1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(R1), "START_CATCHING")])
    );
    assert_eq!(t.game.next_deadline(), Some(t.at(6.0)));
    assert!(t.tick(5.999).is_empty());
    assert_eq!(t.tick(6.0), msgs(&[(&flag(R1), "FLAG_CATCHED")]));
    assert_eq!(t.game.carrier(), Some(&id(R1)));
    assert_eq!(t.game.next_deadline(), None);
    assert_eq!(t.game.scores().robot(&id(R1)).unwrap().captures, 1);
}

#[test]
fn a_message_after_a_missed_deadline_is_played_after_the_capture_it_missed() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    // The actor's timer fired late: the exit at 6.2 s comes after a capture complete at 6 s.
    assert_eq!(
        t.send(6.2, &flag(R1), "EXIT_FLAG_AREA"),
        msgs(&[(&flag(R1), "FLAG_CATCHED")])
    );
    assert_eq!(t.game.carrier(), Some(&id(R1)));
}

#[test]
fn leaving_the_zone_aborts_the_capture_and_reentering_starts_it_over() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    assert_eq!(
        t.send(4.0, &flag(R1), "EXIT_FLAG_AREA"),
        msgs(&[(&flag(R1), "ABORT_CATCHING_EXIT")])
    );
    assert!(t.tick(6.0).is_empty());
    assert_eq!(
        t.send(7.0, &flag(R1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(R1), "START_CATCHING")])
    );
    assert_eq!(t.game.next_deadline(), Some(t.at(12.0)));
}

#[test]
fn a_shot_during_a_capture_aborts_it_and_the_robot_must_leave_and_reenter() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    assert_eq!(
        t.send(3.0, &shots(R1), &format!("SHOT_BY 0xf1{}", &B1[2..])),
        msgs(&[
            (&format!("tanks/{R1}/shots/in"), "SHOT"),
            (&format!("tanks/{B1}/shots/out"), "SHOT"),
            (&flag(R1), "ABORT_CATCHING_SHOT"),
        ])
    );
    assert!(t.tick(6.0).is_empty());
    // Still in the zone: a second entry without an exit starts nothing.
    assert!(t.send(6.5, &flag(R1), "ENTER_FLAG_AREA").is_empty());
    assert_eq!(t.game.last_ignored(), Some(Ignored::AlreadyInZone));
    assert!(t.send(7.0, &flag(R1), "EXIT_FLAG_AREA").is_empty());
    assert_eq!(
        t.send(8.0, &flag(R1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(R1), "START_CATCHING")])
    );
}

#[test]
fn the_carrier_entering_again_hears_already_got_and_anyone_else_not_onbase() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    t.tick(6.0);
    t.send(7.0, &flag(R1), "EXIT_FLAG_AREA");
    assert_eq!(
        t.send(8.0, &flag(R1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(R1), "ALREADY_GOT")])
    );
    assert_eq!(
        t.send(8.0, &flag(B1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(B1), "NOT_ONBASE")])
    );
    assert_eq!(t.game.next_deadline(), None);
}

#[test]
fn of_two_robots_capturing_the_first_to_finish_takes_the_flag_and_the_other_hears_not_onbase() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    t.send(2.0, &flag(B1), "ENTER_FLAG_AREA");
    assert_eq!(
        t.tick(6.0),
        msgs(&[(&flag(R1), "FLAG_CATCHED"), (&flag(B1), "NOT_ONBASE")])
    );
    assert!(t.tick(7.0).is_empty());
    assert_eq!(t.game.carrier(), Some(&id(R1)));
}

#[test]
fn a_shot_carrier_loses_the_flag_which_returns_to_the_zone() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    t.tick(6.0);
    t.send(6.5, &flag(R1), "EXIT_FLAG_AREA");
    assert_eq!(
        t.send(8.0, &shots(R1), &format!("SHOT_BY 0xf1{}", &B2[2..])),
        msgs(&[
            (&format!("tanks/{R1}/shots/in"), "SHOT"),
            (&format!("tanks/{B2}/shots/out"), "SHOT"),
            (&flag(R1), "FLAG_LOST"),
        ])
    );
    assert_eq!(t.game.carrier(), None);
    assert_eq!(
        t.send(9.0, &flag(B1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(B1), "START_CATCHING")])
    );
    let scores = t.game.scores();
    assert_eq!(scores.robot(&id(R1)).unwrap().flags_lost, 1);
    assert_eq!(scores.robot(&id(R1)).unwrap().hits_taken, 1);
    assert_eq!(scores.robot(&id(B2)).unwrap().hits_given, 1);
    assert_eq!(scores.team(Team::Blue).hits_given, 1);
}

#[test]
fn friendly_fire_is_told_to_the_shooter_only_and_costs_the_victim_nothing() {
    let mut t = running();
    t.send(1.0, &flag(R1), "ENTER_FLAG_AREA");
    assert_eq!(
        t.send(2.0, &shots(R1), &format!("SHOT_BY 0xf1{}", &R2[2..])),
        msgs(&[(&format!("tanks/{R2}/shots/out"), "FRIENDLY_FIRE")])
    );
    assert_eq!(t.tick(6.0), msgs(&[(&flag(R1), "FLAG_CATCHED")]));
    assert_eq!(t.game.scores().robot(&id(R2)).unwrap().friendly_fire, 1);
    assert_eq!(t.game.scores().robot(&id(R1)).unwrap().hits_taken, 0);
}

#[test]
fn a_hit_robot_is_out_of_play_for_the_immobilisation_time() {
    let mut t = running();
    let by_b1 = format!("SHOT_BY 0xf1{}", &B1[2..]);
    assert_eq!(t.send(1.0, &shots(R1), &by_b1).len(), 2);
    assert!(t.send(2.9, &shots(R1), &by_b1).is_empty());
    assert_eq!(t.game.last_ignored(), Some(Ignored::VictimImmobilised));
    // An immobilised robot is not shooting either.
    assert!(
        t.send(2.9, &shots(B2), &format!("SHOT_BY 0xf1{}", &R1[2..]))
            .is_empty()
    );
    assert_eq!(t.game.last_ignored(), Some(Ignored::ShooterImmobilised));
    assert_eq!(t.send(3.0, &shots(R1), &by_b1).len(), 2);
    assert_eq!(t.game.scores().robot(&id(R1)).unwrap().hits_taken, 2);
}

#[test]
fn scanning_the_wrong_code_fails_and_the_right_one_without_the_flag_says_no_flag() {
    let mut t = running();
    assert_eq!(
        t.send(1.0, &qr(R1), "QR_CODE BLUE_BASE"),
        msgs(&[(&qr(R1), "SCAN_FAILED")])
    );
    assert_eq!(
        t.send(2.0, &qr(R1), "QR_CODE RED_BASE"),
        msgs(&[(&qr(R1), "SCAN_SUCCESSFUL"), (&flag(R1), "NO_FLAG")])
    );
}

#[test]
fn bringing_the_flag_home_deposits_it_and_the_flag_returns_to_the_zone() {
    let mut t = running();
    t.send(1.0, &flag(B1), "ENTER_FLAG_AREA");
    t.tick(6.0);
    t.send(7.0, &flag(B1), "EXIT_FLAG_AREA");
    assert_eq!(
        t.send(9.0, &qr(B1), "QR_CODE BLUE_BASE"),
        msgs(&[(&qr(B1), "SCAN_SUCCESSFUL"), (&flag(B1), "FLAG_DEPOSITED")])
    );
    assert_eq!(t.game.carrier(), None);
    assert_eq!(t.game.scores().team(Team::Blue).deposits, 1);
    assert_eq!(t.game.phase(), Phase::Running);
    assert_eq!(
        t.send(10.0, &flag(R1), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(R1), "START_CATCHING")])
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
