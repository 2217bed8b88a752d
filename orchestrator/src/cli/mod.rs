//! The command line: `serve` runs the fleet server; every other subcommand is a thin client of
//! its HTTP API, so the CLI and the dashboard can never disagree.

pub mod broker_config;
mod client;
mod enroll;
mod estop;
mod export;
mod format;
pub mod game;
pub mod grade;
mod groups;
mod import;
mod missions;
mod remote;
pub mod remote_keys;
mod replay;
mod retention;
mod robots;
mod roster;
pub mod runs;
mod send;
mod sessions;
mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing::warn;

use crate::instance::{InstanceFiles, read_token_file};

pub use client::ApiClient;
pub use export::{ExportArgs, ExportFormat};
pub use groups::GroupAction;
pub use import::ImportArgs;
pub use missions::MissionAction;
pub use remote::RemoteArgs;
pub use replay::ReplayArgs;
pub use roster::RosterAction;
pub use send::CommandArgs;

#[derive(Debug, Parser)]
#[command(
    name = "orchestrator",
    version,
    about = "Fleet orchestrator for a classroom of RaspTank robots"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

/// Where a client subcommand finds the server, and with which token. Only the client
/// subcommands take these (`serve --help` does not list them); global within each, so
/// `sessions list --api URL` works as well as `sessions --api URL list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Base URL of a running orchestrator's API.
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_API",
        default_value = "http://127.0.0.1:8080"
    )]
    pub api: String,
    /// Token sent with every request: the teacher's (all commands) or a student's (one robot).
    /// Unset: the teacher's token from the file `serve` keeps beside its database (--db).
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// The server's database, beside which `serve` keeps the teacher's token file
    /// (`<db>.teacher-token`); read when no --token is given.
    #[arg(
        long = "db",
        global = true,
        env = "ORCHESTRATOR_DB",
        default_value = "fleet.db"
    )]
    pub db: PathBuf,
}

impl ClientArgs {
    /// The token to send: `--token` / `ORCHESTRATOR_TOKEN`, else the teacher's token file
    /// beside `--db` when it is there and readable, else none (reads still work).
    pub fn resolved_token(&self) -> Option<String> {
        if let Some(token) = self.token.clone().filter(|t| !t.trim().is_empty()) {
            return Some(token);
        }
        let path = InstanceFiles::beside(&self.db).token;
        match read_token_file(&path) {
            Ok(token) => token,
            Err(e) => {
                warn!(file = %path.display(), "cannot read the teacher token file: {e}");
                None
            }
        }
    }

    /// A client of the API at `--api`, sending the resolved token.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.api).with_token(self.resolved_token())
    }
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run the fleet server: embedded broker, actors, recorder, HTTP API and dashboard.
    Serve(ServeArgs),
    /// List the robots the orchestrator knows; `robots enroll ID` / `robots revoke ID` manage
    /// their broker credentials.
    Robots {
        #[command(subcommand)]
        action: Option<RobotsAction>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The class roster: import a class file, list, assign a robot, remove, new token.
    Roster {
        #[command(subcommand)]
        action: RosterAction,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Write a Mosquitto password file and ACL file from the enrolled robots and the roster
    /// (read from the database), and print the lines to add to mosquitto.conf.
    BrokerConfig {
        /// Folder for `passwd`, `acl` and `orchestrator.password` (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The server's database.
        #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
        db: PathBuf,
    },
    /// Show one robot.
    Robot {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send a command to one robot and print its acknowledgement.
    Send {
        robot: String,
        #[command(subcommand)]
        command: CommandArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Manage recording sessions.
    Sessions {
        #[command(subcommand)]
        action: SessionAction,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Drive one robot from this terminal (arrows/WASD, space stops, Esc quits).
    Remote {
        #[command(flatten)]
        args: RemoteArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Emergency-stop every robot (or one group) and list who acknowledged.
    Estop {
        /// Only this group's robots (default: every robot, with one broadcast).
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Lift the emergency stop of every robot (or one group).
    Release {
        /// Only this group's robots (default: every robot, with one broadcast).
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send one command to every robot (one broadcast) and list who acknowledged.
    SendAll {
        #[command(subcommand)]
        command: CommandArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Manage groups of robots (teams, tables) and send commands to them (default: list).
    Groups {
        #[command(subcommand)]
        action: Option<GroupAction>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Assign, list, show and abort missions.
    Missions {
        #[command(subcommand)]
        action: MissionAction,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The course's game (capture the flag): new, start, pause, resume, end, show, list.
    Game {
        #[command(subcommand)]
        action: game::GameAction,
        #[command(flatten)]
        name: game::GameName,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Mark a run by hand on a robot while a session records (start, end, list): graded by
    /// `grade` beside the missions' runs.
    Runs {
        #[command(subcommand)]
        action: runs::RunsAction,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Grade a recorded session's runs (line-follow missions and marked runs) and print a
    /// leaderboard (reads and writes the database file itself, server running or not);
    /// `grade override` corrects a grade.
    Grade(grade::GradeArgs),
    /// List each robot's student token and web remote address (teacher's token needed).
    Tokens {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Export a session (CSV, JSON Lines, MCAP) straight from the database file.
    Export(ExportArgs),
    /// Turn an MCAP file exported by this program back into a session.
    Import(ImportArgs),
    /// Re-publish a recorded session to MQTT with its original timing (under replay/).
    Replay(ReplayArgs),
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
    /// SQLite file the sessions are recorded in (created if missing; its folder must exist).
    /// One server per database: a second `serve` on the same file refuses to start.
    #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
    pub db: PathBuf,
    /// Also start this many simulated robots in this process.
    #[arg(long, default_value_t = 0)]
    pub sim: usize,
    /// Floor map for the simulated robots (default: the shipped oval course; with
    /// --sim-game, the game arena).
    #[arg(long)]
    pub sim_map: Option<PathBuf>,
    /// The simulated robots play the course's game: course-style ids (0x5100000000NN), one
    /// shared arena for their IR shots, the agent's game mode (`orchestrator game ...`).
    #[arg(long)]
    pub sim_game: bool,
    /// Name of the session recorded from startup.
    #[arg(long, default_value = "serve")]
    pub session: String,
    /// The teacher's token, needed by every mutating API call (commands, sessions, stop-all).
    /// Unset: the one in `<db>.teacher-token` (mode 0600) beside the database, or a new random
    /// one written there. Set: replaces the file's, and is kept there for the next start.
    #[arg(long, env = "ORCHESTRATOR_TEACHER_TOKEN", hide_env_values = true)]
    pub teacher_token: Option<String>,
    /// Turn the embedded broker's access control off: anyone on the network may connect,
    /// drive any robot and lift an estop. For a quick demo only.
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Subcommand)]
pub enum RobotsAction {
    /// Issue a broker credential for robot ID (username = MQTT client id = robot id) and print
    /// the agent's settings as KEY=value lines for its systemd EnvironmentFile. Enrolling
    /// again replaces the password and cuts off whoever used the old one.
    Enroll { id: String },
    /// Revoke robot ID's credential: a connected robot is cut off at once.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum SessionAction {
    /// List the recorded sessions (stopped ones that recorded nothing are hidden).
    List {
        /// Also list the stopped sessions that recorded nothing.
        #[arg(long)]
        all: bool,
    },
    /// Start a new session (stops the running one).
    Start { name: String },
    /// Stop the running session.
    Stop,
    /// Delete a stopped session and its records (never the running one); the file shrinks.
    Delete { id: i64 },
    /// Delete every stopped session older than an age (`30d`, `12h`, `2w`). Lists them
    /// only (a dry run) unless `--yes` is given.
    Prune {
        #[arg(long, value_parser = retention::parse_age)]
        older_than: i64,
        /// Really delete them.
        #[arg(long)]
        yes: bool,
    },
}

/// Runs a client subcommand against the API its [`ClientArgs`] name. `serve` is handled by
/// the binary.
pub fn run_client(command: CliCommand) -> anyhow::Result<()> {
    match command {
        CliCommand::Serve(_) => unreachable!("serve is not a client command"),
        CliCommand::Robots {
            action: None,
            json,
            client,
        } => robots::list(&client.client(), json),
        CliCommand::Robots {
            action: Some(RobotsAction::Enroll { id }),
            client,
            ..
        } => enroll::enroll(&client.client(), &id),
        CliCommand::Robots {
            action: Some(RobotsAction::Revoke { id }),
            client,
            ..
        } => enroll::revoke(&client.client(), &id),
        CliCommand::Roster { action, client } => roster::run(&client.client(), action),
        CliCommand::BrokerConfig { out, db } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let config = runtime.block_on(broker_config::write(&db, &out))?;
            broker_config::report(&config, &out);
            Ok(())
        }
        CliCommand::Robot { id, client } => robots::show(&client.client(), &id),
        CliCommand::Send {
            robot,
            command,
            client,
        } => send::send(&client.client(), &robot, command),
        CliCommand::Sessions { action, client } => sessions::run(&client.client(), action),
        CliCommand::Remote { args, client } => remote::run(client.client(), args),
        CliCommand::Tokens { client } => tokens::list(&client.client()),
        CliCommand::Grade(args) => grade::run(args, &mut std::io::stdout().lock()),
        CliCommand::Runs { action, client } => {
            runs::run(&client.client(), action, &mut std::io::stdout().lock())
        }
        CliCommand::Estop { group, client } => {
            estop::estop(&client.client(), group.as_deref(), false)
        }
        CliCommand::Release { group, client } => {
            estop::estop(&client.client(), group.as_deref(), true)
        }
        CliCommand::SendAll { command, client } => estop::send_all(&client.client(), command),
        CliCommand::Groups { action, client } => groups::run(&client.client(), action),
        CliCommand::Missions { action, client } => missions::run(&client.client(), action),
        CliCommand::Export(args) => export::run(args),
        CliCommand::Import(args) => import::run(args),
        CliCommand::Replay(args) => replay::run(args),
        CliCommand::Game {
            action,
            name,
            client,
        } => game::run(&client.client(), action, name),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> CliCommand {
        Cli::try_parse_from(std::iter::once("orchestrator").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    fn help_of(subcommand: &str) -> String {
        let mut cli = Cli::command();
        cli.build();
        cli.find_subcommand_mut(subcommand)
            .unwrap_or_else(|| panic!("no subcommand {subcommand}"))
            .render_long_help()
            .to_string()
    }

    #[test]
    fn serve_help_lists_no_client_flags_and_the_client_subcommands_do() {
        let serve = help_of("serve");
        assert!(!serve.contains("--api"), "{serve}");
        assert!(!serve.contains("--token "), "{serve}");
        assert!(serve.contains("--teacher-token"), "{serve}");
        for client in ["estop", "robots", "sessions", "remote"] {
            let help = help_of(client);
            assert!(help.contains("--api") && help.contains("--token"), "{help}");
        }
        let refused = Cli::try_parse_from(["orchestrator", "serve", "--api", "http://x"]);
        assert!(refused.is_err(), "serve accepted --api");
    }

    #[test]
    fn robots_lists_by_default_and_enrolls_or_revokes_with_a_subcommand() {
        assert!(matches!(
            parse(&["robots", "--json"]),
            CliCommand::Robots {
                action: None,
                json: true,
                ..
            }
        ));
        match parse(&["robots", "enroll", "rasptank-07", "--api", "http://h:1"]) {
            CliCommand::Robots {
                action: Some(RobotsAction::Enroll { id }),
                client,
                ..
            } => assert_eq!(
                (id.as_str(), client.api.as_str()),
                ("rasptank-07", "http://h:1")
            ),
            other => panic!("parsed as {other:?}"),
        }
        assert!(matches!(
            parse(&["robots", "revoke", "r1"]),
            CliCommand::Robots {
                action: Some(RobotsAction::Revoke { .. }),
                ..
            }
        ));
        assert!(matches!(
            parse(&["roster", "import", "class.csv"]),
            CliCommand::Roster {
                action: RosterAction::Import { .. },
                ..
            }
        ));
        assert!(matches!(
            parse(&["broker-config", "--out", "dir", "--db", "x.db"]),
            CliCommand::BrokerConfig { .. }
        ));
    }

    #[test]
    fn client_flags_work_before_and_after_a_nested_subcommand() {
        for args in [
            &["sessions", "--api", "http://h:1", "list"][..],
            &["sessions", "list", "--api", "http://h:1"][..],
        ] {
            match parse(args) {
                CliCommand::Sessions {
                    action: SessionAction::List { .. },
                    client,
                } => assert_eq!(client.api, "http://h:1"),
                other => panic!("{args:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn without_a_token_the_client_reads_the_teacher_token_file_beside_its_db() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("class.db");
        let CliCommand::Estop { client, .. } = parse(&["estop", "--db", db.to_str().unwrap()])
        else {
            panic!("not estop");
        };
        let client = ClientArgs {
            token: None,
            ..client
        };
        assert_eq!(client.resolved_token(), None, "no file yet");
        std::fs::write(InstanceFiles::beside(&db).token, "from-the-file\n").unwrap();
        assert_eq!(client.resolved_token().as_deref(), Some("from-the-file"));
        let given = ClientArgs {
            token: Some("given".into()),
            ..client
        };
        assert_eq!(given.resolved_token().as_deref(), Some("given"));
    }
}
