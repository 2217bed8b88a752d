//! The orchestrator's MQTT client link: receives robot messages for the fleet, publishes
//! commands. [`inbound`] is the edge where bytes become typed messages; [`reconnecting`] is the
//! one reconnecting client under every connection the orchestrator makes (this link, the game
//! master's).

mod counters;
mod heartbeat;
pub mod inbound;
mod link;
mod publisher;
pub mod reconnecting;

#[cfg(test)]
mod link_tests;

pub use counters::{DROP_LOG_EVERY, LinkCounters, LinkStats};
pub use heartbeat::HeartbeatTask;
pub use inbound::{DropReason, Dropped};
pub use link::{MqttLink, SUBSCRIBED};
pub use publisher::Publisher;
pub use reconnecting::{ClientOptions, Listener, ReconnectingClient};
