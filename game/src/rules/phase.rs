//! The phases of a game and why a message was ignored.

use std::fmt;

use serde::{Deserialize, Serialize};

/// registration -> running <-> paused -> ended (any phase can be ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Robots register with `INIT`; nothing else is played.
    Registration,
    Running,
    /// The game clock is stopped: captures and immobilisations wait for the resume.
    Paused,
    Ended,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Registration => "in registration",
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Ended => "ended",
        })
    }
}

/// Why a well-formed message got no answer. Counted per reason, never an error: the game goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ignored {
    /// A play message during registration.
    NotStarted,
    Paused,
    Ended,
    /// From an id that never registered.
    UnknownRobot,
    /// A shot by an id that never registered.
    UnknownShooter,
    /// A robot reporting its own shot (its receiver saw its own emitter).
    SelfShot,
    /// `INIT` from a robot that is not on the roster.
    NotOnRoster,
    /// `ENTER_FLAG_AREA` twice without an exit between.
    AlreadyInZone,
    /// `EXIT_FLAG_AREA` without an entry.
    NotInZone,
    /// A shot at a robot still immobilised by the last hit.
    VictimImmobilised,
    /// A shot from a robot that is immobilised and should not be shooting.
    ShooterImmobilised,
}

impl Ignored {
    pub fn reason(self) -> &'static str {
        match self {
            Ignored::NotStarted => "not_started",
            Ignored::Paused => "paused",
            Ignored::Ended => "ended",
            Ignored::UnknownRobot => "unknown_robot",
            Ignored::UnknownShooter => "unknown_shooter",
            Ignored::SelfShot => "self_shot",
            Ignored::NotOnRoster => "not_on_roster",
            Ignored::AlreadyInZone => "already_in_zone",
            Ignored::NotInZone => "not_in_zone",
            Ignored::VictimImmobilised => "victim_immobilised",
            Ignored::ShooterImmobilised => "shooter_immobilised",
        }
    }
}
