//! The course's capture-the-flag game ("World of Rasptank"): its legacy plain-text MQTT protocol
//! and its rules as a pure state machine with explicit time. No I/O: an actor feeds it messages
//! and timer ticks and publishes what it returns.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use fleet_game::{Game, GameConfig, Inbound};
//!
//! let mut game = Game::new(GameConfig::named("lesson 12")).unwrap();
//! let t0 = Instant::now();
//! let (topic, payload) = ("init", b"INIT 0xdca632bf91cc".as_slice());
//! let answers = game.handle(t0, Inbound::parse(topic, payload).unwrap());
//! let wire: Vec<(String, String)> = answers.iter().map(|a| a.to_wire()).collect();
//! assert_eq!(wire[0], ("tanks/0xdca632bf91cc/init".to_owned(), "TEAM RED".to_owned()));
//! game.start(t0 + Duration::from_secs(1)).unwrap();
//! ```

pub mod protocol;
pub mod rules;
pub mod scores;
pub mod team;
pub mod view;

pub use protocol::{Answer, Channel, Inbound, LegacyTopic, Outbound, ParseError, TankId, Weapon};
pub use rules::{Game, GameConfig, GameError, Ignored, Phase, TeamAssignment};
pub use scores::{RobotScore, Scores, TeamScore};
pub use team::Team;
pub use view::GameView;
