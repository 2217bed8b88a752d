//! A whole game of four robots played to its end: WIN goes to every player exactly when a team
//! brings home the configured number of flags, and the scores tell the story.

mod support;

use fleet_game::{Game, GameConfig, Phase, Team};
use support::{B1, B2, R1, R2, Table, flag, id, msgs};

/// `robot` enters at `s`, waits the capture time out, leaves and scans its base 2 s later.
fn capture_and_deposit(t: &mut Table, s: f64, robot: &str, code: &str) -> Vec<(String, String)> {
    assert_eq!(
        t.send(s, &flag(robot), "ENTER_FLAG_AREA"),
        msgs(&[(&flag(robot), "START_CATCHING")])
    );
    let due = t.game.next_deadline().unwrap();
    assert_eq!(due, t.at(s + 5.0));
    assert_eq!(t.tick(s + 5.0), msgs(&[(&flag(robot), "FLAG_CATCHED")]));
    assert!(t.send(s + 6.0, &flag(robot), "EXIT_FLAG_AREA").is_empty());
    t.send(
        s + 8.0,
        &format!("tanks/{robot}/qr_code"),
        &format!("QR_CODE {code}"),
    )
}

#[test]
fn a_game_played_to_three_flags_sends_win_to_every_player_at_the_third_deposit_only() {
    let mut t = Table::new(Game::new(GameConfig::named("final")).unwrap());
    t.register(&[R1, B1, R2, B2]);
    t.start(0.0);

    let deposited = |robot: &str| {
        msgs(&[
            (&format!("tanks/{robot}/qr_code"), "SCAN_SUCCESSFUL"),
            (&flag(robot), "FLAG_DEPOSITED"),
        ])
    };
    // Red scores twice, blue once, then blue steals a capture by shooting the red carrier.
    assert_eq!(
        capture_and_deposit(&mut t, 1.0, R1, "RED_BASE"),
        deposited(R1)
    );
    assert_eq!(
        capture_and_deposit(&mut t, 20.0, B1, "BLUE_BASE"),
        deposited(B1)
    );
    assert_eq!(
        capture_and_deposit(&mut t, 40.0, R2, "RED_BASE"),
        deposited(R2)
    );
    assert_eq!(t.game.phase(), Phase::Running);

    t.send(60.0, &flag(R1), "ENTER_FLAG_AREA");
    t.tick(65.0);
    t.send(66.0, &flag(R1), "EXIT_FLAG_AREA");
    let lost = t.send(
        67.0,
        &format!("tanks/{R1}/shots"),
        &format!("SHOT_BY 0xf1{}", &B2[2..]),
    );
    assert_eq!(lost.last().unwrap(), &(flag(R1), "FLAG_LOST".to_owned()));

    // Red's third flag wins: every player hears WIN RED, in id order, after the deposit.
    let last = capture_and_deposit(&mut t, 80.0, R2, "RED_BASE");
    let mut expected = deposited(R2);
    for robot in [R1, R2, B1, B2] {
        expected.push((flag(robot), "WIN RED".to_owned()));
    }
    assert_eq!(last, expected);
    assert_eq!(t.game.phase(), Phase::Ended);
    assert_eq!(t.game.winner(), Some(Team::Red));

    // Nothing is played after the win.
    assert!(t.send(100.0, &flag(B1), "ENTER_FLAG_AREA").is_empty());
    assert_eq!(t.game.next_deadline(), None);

    let scores = t.game.scores();
    let red = scores.team(Team::Red);
    assert_eq!(
        (red.captures, red.deposits, red.flags_lost, red.hits_taken),
        (4, 3, 1, 1)
    );
    let blue = scores.team(Team::Blue);
    assert_eq!((blue.captures, blue.deposits, blue.hits_given), (1, 1, 1));
    assert_eq!(scores.robot(&id(R2)).unwrap().deposits, 2);
    assert_eq!(scores.robot(&id(B2)).unwrap().hits_given, 1);
    let view = serde_json::to_value(t.game.view(t.at(100.0))).unwrap();
    assert_eq!(view["winner"], "red");
    assert_eq!(view["scores"]["teams"]["red"]["deposits"], 3);
}

#[test]
fn a_game_to_one_flag_ends_at_the_first_deposit() {
    let mut config = GameConfig::named("short");
    config.flags_to_win = 1;
    let mut t = Table::new(Game::new(config).unwrap());
    t.register(&[R1, B1]);
    t.start(0.0);
    let out = capture_and_deposit(&mut t, 1.0, B1, "BLUE_BASE");
    assert_eq!(
        &out[2..],
        msgs(&[(&flag(R1), "WIN BLUE"), (&flag(B1), "WIN BLUE")])
    );
    assert_eq!(t.game.winner(), Some(Team::Blue));
}
