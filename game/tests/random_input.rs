//! Fuzz-style: random bytes and random well-formed messages, in random phases and at random
//! times, never panic the parser or the rules, and every answer is well-formed and the game's
//! invariants hold. A fixed-seed generator keeps failures reproducible without a dependency.

mod support;

use std::time::Duration;

use fleet_game::{Game, GameConfig, Inbound, Outbound, Phase, Team};
use support::Table;

/// xorshift64*: deterministic, good enough to explore.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const IDS: [&str; 8] = [
    "0xaa0000000001",
    "0xaa0000000002",
    "0xbb0000000001",
    "0xbb0000000002",
    "0xcc0000000001",
    "",
    "+",
    "0x#",
];
const TAILS: [&str; 8] = [
    "flag",
    "shots",
    "qr_code",
    "init",
    "shots/in",
    "shots/out",
    "",
    "x",
];
const WORDS: [&str; 14] = [
    "INIT",
    "ENTER_FLAG_AREA",
    "EXIT_FLAG_AREA",
    "SHOT_BY",
    "QR_CODE",
    "RED_BASE",
    "BLUE_BASE",
    "START_CATCHING",
    "WIN",
    "RED",
    "0xf1aa0000000001",
    "0xf1bb0000000002",
    "0xf1",
    "\u{1F600}",
];

fn random_topic(rng: &mut Rng) -> String {
    if rng.below(6) == 0 {
        return "init".to_owned();
    }
    format!("tanks/{}/{}", rng.pick(&IDS), rng.pick(&TAILS))
}

/// A message a robot could really send, from one of a few ids (some never registered).
fn plausible(rng: &mut Rng) -> (String, Vec<u8>) {
    let robot = rng.pick(&IDS[..5]);
    let other = &rng.pick(&IDS[..5])[2..];
    let (topic, payload) = match rng.below(6) {
        0 => ("init".to_owned(), format!("INIT {robot}")),
        1 | 2 => (
            format!("tanks/{robot}/flag"),
            rng.pick(&WORDS[1..3]).to_owned(),
        ),
        3 => (
            format!("tanks/{robot}/shots"),
            format!("SHOT_BY 0xf1{other}"),
        ),
        _ => (
            format!("tanks/{robot}/qr_code"),
            format!("QR_CODE {}", rng.pick(&WORDS[5..7])),
        ),
    };
    (topic, payload.into_bytes())
}

fn random_payload(rng: &mut Rng) -> Vec<u8> {
    if rng.below(5) == 0 {
        return (0..rng.below(300)).map(|_| rng.next() as u8).collect();
    }
    let mut words: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(&WORDS)).collect();
    if words.first() == Some(&"INIT") && rng.below(2) == 0 {
        words.push(rng.pick(&IDS));
    }
    words.join(" ").into_bytes()
}

fn check_invariants(game: &Game, out: &[Outbound]) {
    for answer in out {
        let (topic, payload) = answer.to_wire();
        assert_eq!(
            Outbound::parse(&topic, payload.as_bytes()).as_ref(),
            Ok(answer)
        );
    }
    let carriers = game.players().values().filter(|p| p.carrying).count();
    assert!(carriers <= 1, "{carriers} robots carry the flag");
    for team in Team::ALL {
        assert!(game.scores().team(team).deposits <= game.config().flags_to_win);
    }
    if game.winner().is_some() {
        assert_eq!(game.phase(), Phase::Ended);
    }
    if game.phase() != Phase::Running {
        assert_eq!(game.next_deadline(), None);
    }
}

#[test]
fn random_input_in_every_phase_never_panics_and_keeps_the_game_consistent() {
    let (mut parsed, mut answered, mut captures) = (0, 0, 0);
    for seed in 1..=100u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut config = GameConfig::named("fuzz");
        config.flags_to_win = 1 + rng.below(3) as u32;
        config.capture_time = Duration::from_millis(1 + rng.below(3000) as u64);
        let mut t = Table::new(Game::new(config).unwrap());
        let mut now = t.t0;
        for _ in 0..400 {
            now += Duration::from_millis(rng.below(1500) as u64);
            let out = match rng.below(40) {
                0 => t.game.start(now).map(|_| Vec::new()).unwrap_or_default(),
                1 => t.game.pause(now).map(|_| Vec::new()).unwrap_or_default(),
                2 => t.game.resume(now).map(|_| Vec::new()).unwrap_or_default(),
                3 if rng.below(5) == 0 => t.game.end(now).map(|_| Vec::new()).unwrap_or_default(),
                4..=8 => t.game.tick(now),
                _ => {
                    let (topic, payload) = if rng.below(3) == 0 {
                        (random_topic(&mut rng), random_payload(&mut rng))
                    } else {
                        plausible(&mut rng)
                    };
                    match Inbound::parse(&topic, &payload) {
                        Ok(message) => {
                            parsed += 1;
                            t.game.handle(now, message)
                        }
                        Err(error) => {
                            assert!(!error.reason().is_empty());
                            Vec::new()
                        }
                    }
                }
            };
            answered += out.len();
            captures += out
                .iter()
                .filter(|o| o.answer == fleet_game::Answer::FlagCatched)
                .count();
            check_invariants(&t.game, &out);
            if rng.below(20) == 0 {
                serde_json::to_string(&t.game.view(now)).unwrap();
            }
        }
    }
    // The generator must reach the rules, not only the parser's refusals.
    assert!(parsed > 15_000, "only {parsed} messages parsed");
    assert!(answered > 2_000, "only {answered} answers");
    assert!(captures > 20, "only {captures} captures");
}
