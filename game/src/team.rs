//! The two teams, spelled `RED` and `BLUE` on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Team {
    Red,
    Blue,
}

impl Team {
    pub const ALL: [Team; 2] = [Team::Red, Team::Blue];

    /// The word the protocol uses (`TEAM RED`, `WIN BLUE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Team::Red => "RED",
            Team::Blue => "BLUE",
        }
    }

    /// Reads the protocol's word; exact, as the course's robots compare it.
    pub fn from_wire(word: &str) -> Option<Team> {
        match word {
            "RED" => Some(Team::Red),
            "BLUE" => Some(Team::Blue),
            _ => None,
        }
    }
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
