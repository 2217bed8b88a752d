//! A game's settings, checked once when the game is made.

use std::collections::BTreeMap;
use std::time::Duration;

use thiserror::Error;

use super::Phase;
use crate::{TankId, Team};

/// How players get their team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TeamAssignment {
    /// At registration, to the team with fewer players (red on a tie).
    #[default]
    Balanced,
    /// From a class roster; a robot not on it is not registered.
    Roster(BTreeMap<TankId, Team>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameConfig {
    pub name: String,
    /// Deposits a team needs to win.
    pub flags_to_win: u32,
    /// Time a robot must stay in the capture zone, unshot, to take the flag.
    pub capture_time: Duration,
    /// How long a hit robot is out of play. The robot stops itself; the master ignores shots at
    /// it and from it meanwhile, so one hit is counted once.
    pub immobilisation: Duration,
    /// The code printed on each team's base, sent to players at registration.
    pub red_qr_code: String,
    pub blue_qr_code: String,
    pub teams: TeamAssignment,
}

/// The course's defaults, with the reference master's base codes.
pub const DEFAULT_FLAGS_TO_WIN: u32 = 3;
pub const DEFAULT_CAPTURE_TIME: Duration = Duration::from_secs(5);
pub const DEFAULT_IMMOBILISATION: Duration = Duration::from_secs(2);

/// Longest base code accepted, in bytes.
pub const MAX_QR_CODE: usize = 128;

impl GameConfig {
    /// The course's game with the given name.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            flags_to_win: DEFAULT_FLAGS_TO_WIN,
            capture_time: DEFAULT_CAPTURE_TIME,
            immobilisation: DEFAULT_IMMOBILISATION,
            red_qr_code: "RED_BASE".to_owned(),
            blue_qr_code: "BLUE_BASE".to_owned(),
            teams: TeamAssignment::Balanced,
        }
    }

    pub fn qr_code(&self, team: Team) -> &str {
        match team {
            Team::Red => &self.red_qr_code,
            Team::Blue => &self.blue_qr_code,
        }
    }

    pub fn validate(&self) -> Result<(), GameError> {
        let bad = |problem: String| Err(GameError::Config(problem));
        if self.name.trim().is_empty() {
            return bad("the game needs a name".to_owned());
        }
        if self.flags_to_win == 0 {
            return bad("flags to win must be at least 1".to_owned());
        }
        if self.capture_time.is_zero() {
            return bad("the capture time must be longer than zero".to_owned());
        }
        for team in Team::ALL {
            let code = self.qr_code(team);
            // Payloads are split on spaces, so a code with one could never be scanned back.
            if code.is_empty() || code.len() > MAX_QR_CODE || code.chars().any(char::is_whitespace)
            {
                return bad(format!(
                    "{team}'s QR code {code:?} must be one word of 1..={MAX_QR_CODE} bytes"
                ));
            }
        }
        if self.red_qr_code == self.blue_qr_code {
            return bad("the two teams need different QR codes".to_owned());
        }
        Ok(())
    }
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum GameError {
    #[error("invalid game settings: {0}")]
    Config(String),
    #[error("cannot {action} a game that is {phase}")]
    WrongPhase { action: &'static str, phase: Phase },
}
