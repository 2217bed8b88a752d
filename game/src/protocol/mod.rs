//! The legacy plain-text protocol the course's robots speak (see "Game" in DESIGN.md): topics,
//! what robots send ([`Inbound`]) and what the game master answers ([`Outbound`]). This module is
//! the only place that builds or reads those topics and payloads.

mod error;
mod inbound;
mod outbound;
mod topic;

pub use error::ParseError;
pub use inbound::{Inbound, Weapon};
pub use outbound::{Answer, Channel, Outbound};
pub use topic::{
    GAME_CLIENT_SUFFIX, LegacyTopic, MASTER_SUBSCRIPTIONS, game_client_id, player_subscriptions,
};

/// A robot id, `hex(MAC)` such as `0xdca632bf91cc` for the course's robots. The fleet's id rule
/// applies: no `/`, `+`, `#`, nothing empty or longer than 64 bytes, so no topic can be forged.
pub type TankId = fleet_protocol::RobotId;

/// Longest payload read, in bytes. The longest legitimate one, `SHOT_BY` with a 14-character id,
/// is 24 bytes; QR codes are short words.
pub const MAX_PAYLOAD: usize = 256;

/// At most this much of a hostile string is kept in an error, so a flood cannot grow the logs.
const SHOWN: usize = 64;

fn shown(raw: &str) -> String {
    raw.chars().take(SHOWN).collect()
}
