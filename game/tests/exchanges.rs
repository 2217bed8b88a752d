//! Every exchange of play, as a table of (time, topic, payload) -> what the master publishes:
//! captures and their aborts, shots, friendly fire, scans and deposits.

mod support;

use fleet_game::{Ignored, Phase, Team};
use support::{B1, B2, R1, R2, flag, id, msgs, qr, running, shots};

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
