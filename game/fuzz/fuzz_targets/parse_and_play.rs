//! Feeds arbitrary (topic, payload) pairs through the parser and, when they parse, the rules of
//! a running game: nothing may panic.
#![no_main]

use std::time::{Duration, Instant};

use fleet_game::{Game, GameConfig, Inbound};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut game = Game::new(GameConfig::named("fuzz")).expect("default settings are valid");
    let mut now = Instant::now();
    // Each record: one byte of elapsed time, one of topic length, the topic, then the payload up
    // to a 0 byte.
    let mut rest = data;
    while let [elapsed, topic_len, tail @ ..] = rest {
        now += Duration::from_millis(u64::from(*elapsed) * 40);
        let (topic, tail) = tail.split_at((*topic_len as usize).min(tail.len()));
        let end = tail.iter().position(|b| *b == 0).unwrap_or(tail.len());
        let (payload, tail) = tail.split_at(end);
        rest = tail.get(1..).unwrap_or_default();
        if *elapsed == 0xFF {
            let _ = game.start(now);
        }
        let topic = std::str::from_utf8(topic).unwrap_or("");
        if let Ok(message) = Inbound::parse(topic, payload) {
            for answer in game.handle(now, message) {
                let _ = answer.to_wire();
            }
        }
        let _ = game.tick(now);
    }
});
