//! The MQTT broker the orchestrator talks through: embedded (rmqtt, the default, so one command
//! starts everything) or an external one (Mosquitto, EMQX) named by URL.
//!
//! rmqtt logs through the `log` crate; `tracing_subscriber::fmt().init()` installs the
//! `tracing-log` bridge (a default feature of tracing-subscriber), so its lines show up with ours.

pub mod access;
mod embedded;
mod endpoint;
pub mod mosquitto_config;
pub mod mosquitto_hash;

#[cfg(test)]
mod embedded_tests;
#[cfg(test)]
pub(crate) mod test_client;

pub use access::{BrokerAccess, CredentialRegistry, Principal};
pub use embedded::{BrokerError, EmbeddedBroker};
pub use endpoint::BrokerEndpoint;
