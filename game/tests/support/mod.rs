//! Helpers for the game tests: ids, a table driver that speaks the wire, and time.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use fleet_game::{Game, GameConfig, Inbound, TankId};

pub fn id(raw: &str) -> TankId {
    TankId::parse(raw).unwrap()
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A game and a clock, driven through the wire format as a broker would deliver messages.
pub struct Table {
    pub game: Game,
    pub t0: Instant,
}

impl Table {
    pub fn new(game: Game) -> Self {
        Self {
            game,
            t0: Instant::now(),
        }
    }

    pub fn at(&self, s: f64) -> Instant {
        self.t0 + secs(s)
    }

    /// Delivers (topic, payload) at `s` seconds; returns what the master publishes.
    pub fn send(&mut self, s: f64, topic: &str, payload: &str) -> Vec<(String, String)> {
        let message = Inbound::parse(topic, payload.as_bytes())
            .unwrap_or_else(|e| panic!("{topic} {payload:?} did not parse: {e}"));
        let now = self.at(s);
        wire(&self.game.handle(now, message))
    }

    pub fn tick(&mut self, s: f64) -> Vec<(String, String)> {
        let now = self.at(s);
        wire(&self.game.tick(now))
    }

    /// Registers robots in order; returns nothing, the registration test checks the answers.
    pub fn register(&mut self, ids: &[&str]) {
        for raw in ids {
            self.send(0.0, "init", &format!("INIT {raw}"));
        }
    }

    pub fn start(&mut self, s: f64) {
        let now = self.at(s);
        self.game.start(now).unwrap();
    }
}

pub fn wire(out: &[fleet_game::Outbound]) -> Vec<(String, String)> {
    out.iter().map(|o| o.to_wire()).collect()
}

/// `[("tanks/ID/flag", "START_CATCHING"), ...]` from a compact `&[(topic, payload)]`.
pub fn msgs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(t, p)| ((*t).to_owned(), (*p).to_owned()))
        .collect()
}

pub const R1: &str = "0xaa0000000001";
pub const B1: &str = "0xbb0000000001";
pub const R2: &str = "0xaa0000000002";
pub const B2: &str = "0xbb0000000002";

pub fn flag(raw: &str) -> String {
    format!("tanks/{raw}/flag")
}
pub fn shots(raw: &str) -> String {
    format!("tanks/{raw}/shots")
}
pub fn qr(raw: &str) -> String {
    format!("tanks/{raw}/qr_code")
}

/// Four robots registered (R1, B1, R2, B2 alternate teams) and the game started at 0 s.
pub fn running() -> Table {
    let mut table = Table::new(Game::new(GameConfig::named("test")).unwrap());
    table.register(&[R1, B1, R2, B2]);
    table.start(0.0);
    table
}
