//! Typed settings for `orchestrator serve`, built from the command line (and its env vars).

use std::net::SocketAddr;
use std::path::PathBuf;

use fleet_protocol::BrokerUrlError;

use crate::broker::BrokerEndpoint;
use crate::cli::ServeArgs;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the HTTP API and dashboard listen (port 0: any free port).
    pub http: SocketAddr,
    pub broker: BrokerEndpoint,
    /// The SQLite file sessions are recorded in.
    pub db: PathBuf,
    /// Simulated robots to start in this process.
    pub sim: usize,
    pub sim_map: Option<PathBuf>,
    /// The session recorded from startup.
    pub session: String,
    /// The teacher's token for mutating API calls; `None`: the one in the token file beside
    /// the database, or a new random one written there (see [`crate::instance`]).
    pub teacher_token: Option<String>,
    /// The embedded broker takes anyone (`serve --open`); otherwise every client needs a
    /// credential and stays within its topics.
    pub open: bool,
}

/// The teacher's token of [`Settings::for_test`], for tests that call mutating routes.
pub const TEST_TEACHER_TOKEN: &str = "test-teacher-token";

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Result<Self, BrokerUrlError> {
        let broker = match &args.broker {
            Some(url) => BrokerEndpoint::external(url)?,
            None => BrokerEndpoint::Embedded {
                bind: args.mqtt_listen,
            },
        };
        Ok(Self {
            http: args.http,
            broker,
            db: args.db.clone(),
            sim: args.sim,
            sim_map: args.sim_map.clone(),
            session: args.session.clone(),
            teacher_token: args.teacher_token.clone().filter(|t| !t.trim().is_empty()),
            open: args.open,
        })
    }

    /// Settings for tests: everything on free loopback ports, the database at `db`.
    pub fn for_test(db: PathBuf) -> Self {
        Self {
            http: ([127, 0, 0, 1], 0).into(),
            broker: BrokerEndpoint::Embedded {
                bind: ([127, 0, 0, 1], 0).into(),
            },
            db,
            sim: 0,
            sim_map: None,
            session: "test".to_owned(),
            teacher_token: Some(TEST_TEACHER_TOKEN.to_owned()),
            open: false,
        }
    }
}
