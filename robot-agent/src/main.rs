//! `robot-agent`: runs one RaspTank (real or simulated) on the fleet's MQTT broker.
//! Parses settings, sets up logging (RUST_LOG, default `info`) and hands over to the library.

use anyhow::Context;
use clap::Parser;
use robot_agent::config::{Cli, Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let settings = Settings::from_cli(cli).context("invalid settings")?;
    robot_agent::runtime::startup::run(settings)
        .await
        .context("robot agent failed")
}
