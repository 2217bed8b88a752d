//! The command line: `serve` runs the fleet server; every other subcommand is a thin client of
//! its HTTP API, so the CLI and the dashboard can never disagree.

mod client;
mod estop;
mod groups;
mod missions;
mod remote;
pub mod remote_keys;
mod robots;
mod send;
mod sessions;
mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use client::ApiClient;
pub use groups::GroupAction;
pub use missions::MissionAction;
pub use remote::RemoteArgs;
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
    /// Token sent with every request: the teacher's (all commands) or a student's (one robot).
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
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
    /// Drive one robot from this terminal (arrows/WASD, space stops, Esc quits).
    Remote(RemoteArgs),
    /// Emergency-stop every robot (or one group) and list who acknowledged.
    Estop {
        /// Only this group's robots (default: every robot, with one broadcast).
        #[arg(long)]
        group: Option<String>,
    },
    /// Lift the emergency stop of every robot (or one group).
    Release {
        /// Only this group's robots (default: every robot, with one broadcast).
        #[arg(long)]
        group: Option<String>,
    },
    /// Send one command to every robot (one broadcast) and list who acknowledged.
    SendAll {
        #[command(subcommand)]
        command: CommandArgs,
    },
    /// Manage groups of robots (teams, tables) and send commands to them.
    Groups {
        #[command(subcommand)]
        action: GroupAction,
    },
    /// Assign, list, show and abort missions.
    Missions {
        #[command(subcommand)]
        action: MissionAction,
    },
    /// List each robot's student token and web remote address (teacher's token needed).
    Tokens,
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
    /// The teacher's token, needed by every mutating API call (commands, sessions, stop-all).
    /// Unset: a random one is generated and the dashboard's address with it is logged.
    #[arg(long, env = "ORCHESTRATOR_TEACHER_TOKEN", hide_env_values = true)]
    pub teacher_token: Option<String>,
    /// Turn the embedded broker's access control off: anyone on the network may connect,
    /// drive any robot and lift an estop. For a quick demo only.
    #[arg(long)]
    pub open: bool,
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

/// Runs a client subcommand against the API at `api`, sending `token` if given. `serve` is handled by the binary.
pub fn run_client(api: &str, token: Option<String>, command: CliCommand) -> anyhow::Result<()> {
    let client = ApiClient::new(api).with_token(token);
    match command {
        CliCommand::Serve(_) => unreachable!("serve is not a client command"),
        CliCommand::Robots { json } => robots::list(&client, json),
        CliCommand::Robot { id } => robots::show(&client, &id),
        CliCommand::Send { robot, command } => send::send(&client, &robot, command),
        CliCommand::Sessions { action } => sessions::run(&client, action),
        CliCommand::Remote(args) => remote::run(client, args),
        CliCommand::Tokens => tokens::list(&client),
        CliCommand::Estop { group } => estop::estop(&client, group.as_deref(), false),
        CliCommand::Release { group } => estop::estop(&client, group.as_deref(), true),
        CliCommand::SendAll { command } => estop::send_all(&client, command),
        CliCommand::Groups { action } => groups::run(&client, action),
        CliCommand::Missions { action } => missions::run(&client, action),
    }
}
