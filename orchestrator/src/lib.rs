//! The fleet orchestrator: supervises every robot over MQTT, records sessions in SQLite and
//! serves the HTTP API, the dashboard and the CLI's requests.

pub mod actors;
pub mod addresses;
pub mod api;
pub mod broker;
pub mod cli;
pub mod configuration;
pub mod contract;
pub mod domain;
pub mod export;
pub mod game;
pub mod gradebook;
pub mod grading;
pub mod instance;
pub mod logging;
pub mod mqtt;
pub mod recorder;
pub mod replay;
pub mod roster;
pub mod sim;
pub mod startup;
pub mod store;
pub mod summary;
