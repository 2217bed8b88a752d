//! Session replay: re-publishing a recorded session with its original timing (`orchestrator
//! replay`), `ros2 bag play`-style. [`clock`] maps session time to the wall clock (pure),
//! [`options`] says what is played and where, [`player`] runs the loop over pages read ahead of
//! the play head, [`mqtt`] publishes to a broker. The dashboard's replay plays the same records
//! in the browser (api/replay.rs serves them).

pub mod clock;
pub mod mqtt;
pub mod options;
pub mod player;

pub use clock::{MAX_RATE, MIN_RATE, PlayClock, clamp_rate};
pub use mqtt::MqttPublisher;
pub use options::{ReplayOptions, Target};
pub use player::{Control, PlaySummary, Progress, Publish, ReplayError, play};
