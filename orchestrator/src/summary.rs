//! The block `serve` prints once it is up: the one thing in the terminal a teacher has to read
//! (where the dashboard is, the teacher's own link, where robots connect, which database,
//! which robots). Library chatter stays at debug level (see [`crate::logging`]).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::instance::TokenSource;

/// What the server is reachable at and works on, as it started.
#[derive(Debug, Clone)]
pub struct StartupSummary {
    /// The dashboard's addresses, loopback first, never `0.0.0.0`.
    pub dashboard: Vec<SocketAddr>,
    /// The dashboard with the teacher's token: the teacher's own, allows every command.
    pub teacher_link: String,
    pub token_file: PathBuf,
    pub token_source: TokenSource,
    pub broker: BrokerSummary,
    pub database: PathBuf,
    /// Simulated robots started in this process.
    pub sims: usize,
    /// Robots the database knew from earlier runs.
    pub known_robots: usize,
}

/// Where robots connect.
#[derive(Debug, Clone)]
pub enum BrokerSummary {
    /// The embedded broker, with the addresses it is reachable at.
    Embedded { reachable: Vec<SocketAddr> },
    /// Someone else's broker (its URL without credentials).
    External { url: String },
}

impl BrokerSummary {
    /// One line naming the broker, for the database lock's record of its holder.
    pub fn describe(&self) -> String {
        match self {
            BrokerSummary::Embedded { reachable } => {
                format!("embedded, {}", mqtt_urls(reachable).join(", "))
            }
            BrokerSummary::External { url } => format!("external, {url}"),
        }
    }
}

fn mqtt_urls(addrs: &[SocketAddr]) -> Vec<String> {
    addrs.iter().map(|a| format!("mqtt://{a}")).collect()
}

/// The label column's width.
const LABEL: usize = 13;

impl fmt::Display for StartupSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, label: &str, text: &str| {
            writeln!(f, "  {label:<LABEL$} {text}")
        };
        writeln!(f, "orchestrator {} is serving", env!("CARGO_PKG_VERSION"))?;
        for (i, addr) in self.dashboard.iter().enumerate() {
            let label = if i == 0 { "dashboard" } else { "" };
            let note = if addr.ip().is_loopback() {
                ""
            } else {
                "  (from other machines)"
            };
            line(f, label, &format!("http://{addr}/{note}"))?;
        }
        line(
            f,
            "teacher link",
            &format!(
                "{}  (yours only: it allows every command; do not share it)",
                self.teacher_link
            ),
        )?;
        let kept = match self.token_source {
            TokenSource::File => "the token of earlier starts, kept",
            TokenSource::Generated => "a new token, kept for the next starts",
            TokenSource::Given => "the token given with --teacher-token, kept",
        };
        line(
            f,
            "token file",
            &format!("{} ({kept}; the CLI reads it)", self.token_file.display()),
        )?;
        let broker = match &self.broker {
            BrokerSummary::Embedded { reachable } => {
                format!(
                    "{}  (embedded; robots connect here)",
                    mqtt_urls(reachable).join("  ")
                )
            }
            BrokerSummary::External { url } => format!("{url}  (external)"),
        };
        line(f, "broker", &broker)?;
        line(f, "database", &self.database.display().to_string())?;
        let robots = match (self.sims, self.known_robots) {
            (0, 0) => "none yet (they appear when they connect)".to_owned(),
            (0, known) => format!("{known} known from earlier sessions"),
            (sims, 0) => format!("{sims} simulated in this process"),
            (sims, known) => {
                format!("{sims} simulated in this process, {known} known from earlier sessions")
            }
        };
        line(f, "robots", &robots)?;
        write!(f, "  Ctrl-C stops the server.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> StartupSummary {
        StartupSummary {
            dashboard: vec![
                "127.0.0.1:8080".parse().unwrap(),
                "192.168.1.20:8080".parse().unwrap(),
            ],
            teacher_link: "http://127.0.0.1:8080/?token=s3cret".into(),
            token_file: "fleet.db.teacher-token".into(),
            token_source: TokenSource::File,
            broker: BrokerSummary::Embedded {
                reachable: vec![
                    "127.0.0.1:1883".parse().unwrap(),
                    "192.168.1.20:1883".parse().unwrap(),
                ],
            },
            database: "fleet.db".into(),
            sims: 3,
            known_robots: 5,
        }
    }

    #[test]
    fn the_summary_names_every_address_and_the_token_only_on_the_teacher_line() {
        let text = summary().to_string();
        for part in [
            "http://127.0.0.1:8080/",
            "http://192.168.1.20:8080/  (from other machines)",
            "mqtt://127.0.0.1:1883",
            "mqtt://192.168.1.20:1883",
            "fleet.db.teacher-token",
            "3 simulated in this process, 5 known",
        ] {
            assert!(text.contains(part), "{part} missing from:\n{text}");
        }
        assert!(!text.contains("0.0.0.0"), "{text}");
        let with_token: Vec<&str> = text.lines().filter(|l| l.contains("s3cret")).collect();
        assert_eq!(with_token.len(), 1, "{text}");
        assert!(
            with_token[0].trim_start().starts_with("teacher link"),
            "{text}"
        );
    }

    #[test]
    fn an_external_broker_is_named_by_its_url() {
        let mut s = summary();
        s.broker = BrokerSummary::External {
            url: "mqtt://broker.local:1883".into(),
        };
        assert!(
            s.to_string()
                .contains("mqtt://broker.local:1883  (external)")
        );
        assert_eq!(s.broker.describe(), "external, mqtt://broker.local:1883");
    }
}
