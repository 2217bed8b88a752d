//! The orchestrator's MQTT client link: receives robot messages for the fleet, publishes
//! commands. [`inbound`] is the edge where bytes become typed messages.

mod counters;
mod heartbeat;
pub mod inbound;
mod link;
mod publisher;

#[cfg(test)]
mod link_tests;

pub use counters::{DROP_LOG_EVERY, LinkCounters, LinkStats};
pub use heartbeat::HeartbeatTask;
pub use inbound::{DropReason, Dropped};
pub use link::{MqttLink, SUBSCRIBED};
pub use publisher::Publisher;
