//! The command line: `serve` runs the fleet server; every other subcommand is a thin client of
//! its HTTP API, so the CLI and the dashboard can never disagree.

mod client;
mod robots;
mod send;
mod sessions;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use client::ApiClient;
pub use send::CommandArgs;

#[derive(Debug, Parser)]
#[command(
    name = "orchestrator",
    version,
    about = "Fleet orchestrator for a classroom of RaspTank robots"
)]
pub struct Cli {
    /// Base URL of a running orchestrator's API (for the client subcommands).
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_API",
        default_value = "http://127.0.0.1:8080"
    )]
    pub api: String,
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run the fleet server: embedded broker, actors, recorder, HTTP API and dashboard.
    Serve(ServeArgs),
    /// List the robots the orchestrator knows.
    Robots {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one robot.
    Robot { id: String },
    /// Send a command to one robot and print its acknowledgement.
    Send {
        robot: String,
        #[command(subcommand)]
        command: CommandArgs,
    },
    /// Manage recording sessions.
    Sessions {
        #[command(subcommand)]
        action: SessionAction,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the HTTP API and dashboard.
    #[arg(long, env = "ORCHESTRATOR_HTTP", default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// Address the embedded MQTT broker listens on (robots connect here).
    #[arg(long, env = "ORCHESTRATOR_MQTT_LISTEN", default_value = "0.0.0.0:1883")]
    pub mqtt_listen: SocketAddr,
    /// Use an external broker instead of the embedded one: mqtt://[user:pass@]host:port
    #[arg(long, env = "ORCHESTRATOR_BROKER")]
    pub broker: Option<String>,
    /// SQLite file the sessions are recorded in (created if missing).
    #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
    pub db: PathBuf,
    /// Also start this many simulated robots in this process.
    #[arg(long, default_value_t = 0)]
    pub sim: usize,
    /// Floor map for the simulated robots (default: the shipped oval course).
    #[arg(long)]
    pub sim_map: Option<PathBuf>,
    /// Name of the session recorded from startup.
    #[arg(long, default_value = "serve")]
    pub session: String,
}

#[derive(Debug, Subcommand)]
pub enum SessionAction {
    /// List the recorded sessions.
    List,
    /// Start a new session (stops the running one).
    Start { name: String },
    /// Stop the running session.
    Stop,
}

/// Runs a client subcommand against the API at `api`. `serve` is handled by the binary.
pub fn run_client(api: &str, command: CliCommand) -> anyhow::Result<()> {
    let client = ApiClient::new(api);
    match command {
        CliCommand::Serve(_) => unreachable!("serve is not a client command"),
        CliCommand::Robots { json } => robots::list(&client, json),
        CliCommand::Robot { id } => robots::show(&client, &id),
        CliCommand::Send { robot, command } => send::send(&client, &robot, command),
        CliCommand::Sessions { action } => sessions::run(&client, action),
    }
}
