//! The rules as a pure state machine with explicit time: [`Game::handle`] takes a message and
//! the time it arrived, [`Game::tick`] is called when [`Game::next_deadline`] comes, and both
//! return the answers to publish. Nothing here reads a clock, so an actor arms one timer and a
//! test plays a whole game in microseconds.

mod capture;
mod config;
mod phase;
mod play;
mod player;
mod registration;

use std::collections::BTreeMap;
use std::time::Instant;

pub use config::{
    DEFAULT_CAPTURE_TIME, DEFAULT_FLAGS_TO_WIN, DEFAULT_IMMOBILISATION, GameConfig, GameError,
    TeamAssignment,
};
pub use phase::{Ignored, Phase};
pub use player::Player;

use crate::{Inbound, Outbound, ParseError, Scores, TankId, Team};

pub struct Game {
    config: GameConfig,
    phase: Phase,
    players: BTreeMap<TankId, Player>,
    scores: Scores,
    winner: Option<Team>,
    paused_at: Option<Instant>,
    ignored: BTreeMap<Ignored, u64>,
    last_ignored: Option<Ignored>,
    refused: BTreeMap<&'static str, u64>,
}

impl Game {
    /// A game in registration.
    pub fn new(config: GameConfig) -> Result<Game, GameError> {
        config.validate()?;
        Ok(Game {
            config,
            phase: Phase::Registration,
            players: BTreeMap::new(),
            scores: Scores::new(),
            winner: None,
            paused_at: None,
            ignored: BTreeMap::new(),
            last_ignored: None,
            refused: BTreeMap::new(),
        })
    }

    /// Plays one message that arrived at `now`; returns the answers in the order to publish them.
    /// Deadlines already passed at `now` are played first, so a late timer changes nothing.
    pub fn handle(&mut self, now: Instant, message: Inbound) -> Vec<Outbound> {
        self.last_ignored = None;
        let mut out = self.tick(now);
        let result = match message {
            Inbound::Init { id } => self.on_init(&id, &mut out),
            other => self.on_play(now, other, &mut out),
        };
        if let Err(reason) = result {
            *self.ignored.entry(reason).or_default() += 1;
            self.last_ignored = Some(reason);
        }
        out
    }

    /// Closes registration: a later `INIT` from a new robot gets `GAME_ALREADY_STARTED`.
    pub fn start(&mut self, _now: Instant) -> Result<(), GameError> {
        self.expect(Phase::Registration, "start")?;
        self.phase = Phase::Running;
        Ok(())
    }

    /// Stops the game clock; captures in progress keep their remaining time.
    pub fn pause(&mut self, now: Instant) -> Result<(), GameError> {
        self.expect(Phase::Running, "pause")?;
        self.phase = Phase::Paused;
        self.paused_at = Some(now);
        Ok(())
    }

    pub fn resume(&mut self, now: Instant) -> Result<(), GameError> {
        self.expect(Phase::Paused, "resume")?;
        let paused_for = self
            .paused_at
            .take()
            .map(|at| now.saturating_duration_since(at))
            .unwrap_or_default();
        for player in self.players.values_mut() {
            player.postpone(paused_for);
        }
        self.phase = Phase::Running;
        Ok(())
    }

    /// Ends the game without a winner (a won game ends by itself).
    pub fn end(&mut self, _now: Instant) -> Result<(), GameError> {
        if self.phase == Phase::Ended {
            return Err(GameError::WrongPhase {
                action: "end",
                phase: self.phase,
            });
        }
        self.phase = Phase::Ended;
        for player in self.players.values_mut() {
            player.capture_until = None;
        }
        Ok(())
    }

    fn expect(&self, phase: Phase, action: &'static str) -> Result<(), GameError> {
        if self.phase == phase {
            Ok(())
        } else {
            Err(GameError::WrongPhase {
                action,
                phase: self.phase,
            })
        }
    }

    pub fn config(&self) -> &GameConfig {
        &self.config
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// When the game was paused, while it is.
    pub fn paused_at(&self) -> Option<Instant> {
        self.paused_at
    }

    pub fn winner(&self) -> Option<Team> {
        self.winner
    }

    pub fn players(&self) -> &BTreeMap<TankId, Player> {
        &self.players
    }

    pub fn player(&self, id: &TankId) -> Option<&Player> {
        self.players.get(id)
    }

    /// Who carries the flag; `None` when it is in the zone.
    pub fn carrier(&self) -> Option<&TankId> {
        self.players
            .iter()
            .find_map(|(id, p)| p.carrying.then_some(id))
    }

    pub fn scores(&self) -> &Scores {
        &self.scores
    }

    /// Messages ignored so far, by reason.
    pub fn ignored(&self) -> &BTreeMap<Ignored, u64> {
        &self.ignored
    }

    /// Counts a message that did not even parse, so the game's view shows the garbage it got.
    pub fn count_refused(&mut self, error: &ParseError) {
        *self.refused.entry(error.reason()).or_default() += 1;
    }

    /// Messages refused by the parser so far, by [`ParseError::reason`].
    pub fn refused(&self) -> &BTreeMap<&'static str, u64> {
        &self.refused
    }

    /// Why the last [`Game::handle`] call answered nothing, if it ignored its message.
    pub fn last_ignored(&self) -> Option<Ignored> {
        self.last_ignored
    }
}
