//! The agent's settings, from three layers: a TOML file (`--config`), `ROBOT_AGENT_*`
//! environment variables and command-line flags, later layers winning, then defaults.
//! Clap reads flags and environment together (a flag beats its variable); the file fills gaps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use fleet_protocol::{BrokerAddress, BrokerUrlError, Credentials, RobotId};
use serde::Deserialize;
use thiserror::Error;

use crate::hal::rasptank::RasptankConfig;
use crate::runtime::AgentConfig;

pub const DEFAULT_BROKER: &str = "mqtt://localhost:1883";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(transparent)]
    BrokerUrl(#[from] BrokerUrlError),
    #[error("robot id {id:?} is not valid: {source}")]
    Id {
        id: String,
        source: fleet_protocol::ProtocolError,
    },
    #[error("no network interface with a MAC address under {0}: set the robot id with --id")]
    NoMac(PathBuf),
    #[error(transparent)]
    IrMac(#[from] crate::hal::rasptank::ir::IrError),
}

/// Which hardware the agent drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// The simulator (no hardware needed).
    #[default]
    Sim,
    /// The real RaspTank (needs the `rasptank` feature and a Raspberry Pi).
    Rasptank,
}

/// Command-line flags, each also readable from its environment variable.
#[derive(Debug, Default, Parser)]
#[command(
    name = "robot-agent",
    version,
    about = "Runs one RaspTank (real or simulated) on the fleet's MQTT broker."
)]
pub struct Cli {
    /// TOML file with any of the settings below, plus a [rasptank] pin table.
    #[arg(long, env = "ROBOT_AGENT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Robot id [default: the MAC address of the first network interface, e.g. 0xdca632bf91cc].
    #[arg(long, env = "ROBOT_AGENT_ID")]
    pub id: Option<String>,
    /// Broker URL, mqtt://[user[:password]@]host[:port] [default: mqtt://localhost:1883].
    #[arg(long, env = "ROBOT_AGENT_BROKER")]
    pub broker: Option<String>,
    #[arg(long, env = "ROBOT_AGENT_BROKER_USER")]
    pub broker_user: Option<String>,
    #[arg(long, env = "ROBOT_AGENT_BROKER_PASSWORD", hide_env_values = true)]
    pub broker_password: Option<String>,
    /// Telemetry samples per second [default: 10].
    #[arg(long, env = "ROBOT_AGENT_TELEMETRY_HZ")]
    pub telemetry_hz: Option<f64>,
    /// Stop the motors when no drive command came for this many milliseconds [default: 500].
    #[arg(long, env = "ROBOT_AGENT_DEADMAN_MS")]
    pub deadman_ms: Option<u64>,
    /// Enable lease: stop every motion when the orchestrator's heartbeat was silent for this many
    /// milliseconds, and refuse motion until it is heard; 0 turns the lease off, for an agent
    /// used without an orchestrator [default: 500].
    #[arg(long, env = "ROBOT_AGENT_LEASE_MS")]
    pub lease_ms: Option<u64>,
    #[arg(long, env = "ROBOT_AGENT_BACKEND", value_enum)]
    pub backend: Option<BackendKind>,
    /// Floor map for the simulator [default: the built-in oval course].
    #[arg(long, env = "ROBOT_AGENT_SIM_MAP")]
    pub sim_map: Option<PathBuf>,
    /// Simulated seconds per real second [default: 1].
    #[arg(long, env = "ROBOT_AGENT_SIM_TIME_SCALE")]
    pub sim_time_scale: Option<f64>,
    /// Play the course's game: speak its legacy protocol (init, tanks/<id>/...) from the line
    /// sensors, IR receiver and scanner. Needs a course-style id (0x + the 12-digit MAC).
    #[arg(long, env = "ROBOT_AGENT_GAME")]
    pub game: bool,
}

/// The config file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub id: Option<String>,
    pub broker: Option<String>,
    pub broker_user: Option<String>,
    pub broker_password: Option<String>,
    pub telemetry_hz: Option<f64>,
    pub deadman_ms: Option<u64>,
    pub lease_ms: Option<u64>,
    pub backend: Option<BackendKind>,
    #[serde(default)]
    pub sim: SimFile,
    pub rasptank: Option<RasptankConfig>,
    /// `game = true`: as `--game`.
    #[serde(default)]
    pub game: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimFile {
    pub map: Option<PathBuf>,
    pub time_scale: Option<f64>,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Everything the binary needs, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub agent: AgentConfig,
    pub backend: BackendKind,
    pub sim: SimSettings,
    pub rasptank: RasptankConfig,
    /// Game mode (see `--game`).
    pub game: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimSettings {
    /// `None`: the built-in oval course.
    pub map: Option<PathBuf>,
    pub time_scale: f64,
}

impl Settings {
    /// Reads the file named by `--config` (if any) and merges the layers; the robot id falls
    /// back to this machine's MAC address.
    pub fn from_cli(cli: Cli) -> Result<Self, ConfigError> {
        let file = match &cli.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let mut settings = Self::merge(cli, file, || mac_robot_id(Path::new(SYS_NET)))?;
        settings.resolve_ir_mac(Path::new(SYS_NET))?;
        Ok(settings)
    }

    /// Gives the real backend's IR gun the MAC its shots carry when the file names none (see
    /// [`crate::hal::rasptank::ir::resolve_mac`]).
    pub fn resolve_ir_mac(&mut self, sys_net: &Path) -> Result<(), ConfigError> {
        if self.backend == BackendKind::Rasptank {
            let id = self.agent.id.as_str();
            crate::hal::rasptank::ir::resolve_mac(&mut self.rasptank.ir, id, sys_net)?;
        }
        Ok(())
    }

    /// Flags/env over file over defaults; `default_id` is only called when no layer names one.
    pub fn merge(
        cli: Cli,
        file: FileConfig,
        default_id: impl FnOnce() -> Result<RobotId, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let id = match cli.id.or(file.id) {
            Some(raw) => {
                RobotId::parse(&raw).map_err(|source| ConfigError::Id { id: raw, source })?
            }
            None => default_id()?,
        };
        let url = cli.broker.or(file.broker);
        let mut broker = BrokerAddress::parse(url.as_deref().unwrap_or(DEFAULT_BROKER))?;
        let user = cli.broker_user.or(file.broker_user);
        let password = cli.broker_password.or(file.broker_password);
        if let Some(user) = user {
            broker.credentials = Some(Credentials {
                username: user,
                password: password.unwrap_or_default(),
            });
        } else if let (Some(creds), Some(password)) = (broker.credentials.as_mut(), password) {
            creds.password = password;
        }
        let mut agent = AgentConfig::new(id, broker);
        if let Some(hz) = cli.telemetry_hz.or(file.telemetry_hz) {
            agent.telemetry_hz = hz;
        }
        if let Some(ms) = cli.deadman_ms.or(file.deadman_ms) {
            agent.deadman = Duration::from_millis(ms);
        }
        // On by default: a robot that cannot hear the orchestrator must not move on its own.
        if let Some(ms) = cli.lease_ms.or(file.lease_ms) {
            agent.lease = (ms > 0).then(|| Duration::from_millis(ms));
        }
        Ok(Self {
            agent,
            backend: cli.backend.or(file.backend).unwrap_or_default(),
            sim: SimSettings {
                map: cli.sim_map.or(file.sim.map),
                time_scale: cli.sim_time_scale.or(file.sim.time_scale).unwrap_or(1.0),
            },
            rasptank: file.rasptank.unwrap_or_default(),
            game: cli.game || file.game,
        })
    }
}

const SYS_NET: &str = "/sys/class/net";

/// The id of this robot as the course names robots: the MAC of the first network interface
/// (by name) that is not loopback and has a non-zero address.
pub fn mac_robot_id(sys_net: &Path) -> Result<RobotId, ConfigError> {
    let no_mac = || ConfigError::NoMac(sys_net.to_owned());
    let mut names: Vec<_> = std::fs::read_dir(sys_net)
        .map_err(|_| no_mac())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n != "lo")
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|n| std::fs::read_to_string(sys_net.join(n).join("address")).ok())
        .filter_map(|text| parse_mac(text.trim()))
        .find(|mac| mac.iter().any(|&b| b != 0))
        .map(RobotId::from_mac)
        .ok_or_else(no_mac)
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unused_id() -> Result<RobotId, ConfigError> {
        panic!("the default id must not be looked up when one is given")
    }

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("robot-agent").chain(args.iter().copied()))
            .expect("valid flags")
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: FileConfig = toml::from_str(
            "id = \"from-file\"\nbroker = \"mqtt://filehost:1999\"\ntelemetry_hz = 20.0\n\
             deadman_ms = 800\n[sim]\ntime_scale = 4.0\n",
        )
        .unwrap();
        let s = Settings::merge(
            cli(&["--id", "from-flag", "--deadman-ms", "300"]),
            file,
            unused_id,
        )
        .unwrap();
        assert_eq!(s.agent.id.as_str(), "from-flag");
        assert_eq!(s.agent.deadman, Duration::from_millis(300));
        assert_eq!(s.agent.telemetry_hz, 20.0);
        assert_eq!(
            (s.agent.broker.host.as_str(), s.agent.broker.port),
            ("filehost", 1999)
        );
        assert_eq!(s.sim.time_scale, 4.0);
        assert_eq!(s.backend, BackendKind::Sim);
    }

    #[test]
    fn with_nothing_given_the_defaults_and_the_mac_id_apply() {
        let mac = || Ok(RobotId::from_mac([0xdc, 0xa6, 0x32, 0xbf, 0x91, 0xcc]));
        let s = Settings::merge(cli(&[]), FileConfig::default(), mac).unwrap();
        assert_eq!(s.agent.id.as_str(), "0xdca632bf91cc");
        assert_eq!(s.agent.telemetry_hz, 10.0);
        assert_eq!(s.agent.deadman, Duration::from_millis(500));
        assert_eq!(
            s.agent.lease,
            Some(Duration::from_millis(500)),
            "safe by default"
        );
        assert_eq!(s.agent.broker, BrokerAddress::new("localhost", 1883));
        assert_eq!(
            s.sim,
            SimSettings {
                map: None,
                time_scale: 1.0
            }
        );
    }

    #[test]
    fn a_lease_of_zero_turns_the_lease_off_and_the_flag_beats_the_file() {
        let file: FileConfig = toml::from_str("lease_ms = 800\n").unwrap();
        let s = Settings::merge(cli(&["--id", "a"]), file, unused_id).unwrap();
        assert_eq!(s.agent.lease, Some(Duration::from_millis(800)));
        let file: FileConfig = toml::from_str("lease_ms = 800\n").unwrap();
        let s = Settings::merge(cli(&["--id", "a", "--lease-ms", "0"]), file, unused_id).unwrap();
        assert_eq!(s.agent.lease, None);
    }

    #[test]
    fn a_hostile_id_or_an_unknown_file_key_is_refused() {
        let err = Settings::merge(cli(&["--id", "robots/+"]), FileConfig::default(), unused_id);
        assert!(matches!(err, Err(ConfigError::Id { .. })));
        assert!(toml::from_str::<FileConfig>("telemetry_hx = 3.0").is_err());
    }

    #[test]
    fn a_bad_broker_url_is_refused_with_its_password_hidden() {
        let err = Settings::merge(
            cli(&["--id", "a", "--broker", "mqtts://u:pw@h"]),
            FileConfig::default(),
            unused_id,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::BrokerUrl(BrokerUrlError::Scheme { .. })
        ));
        assert!(!err.to_string().contains("pw@"), "{err}");
    }

    #[test]
    fn credentials_from_flags_override_the_url() {
        let s = Settings::merge(
            cli(&[
                "--id",
                "a",
                "--broker",
                "mqtt://u:p@h",
                "--broker-password",
                "q",
            ]),
            FileConfig::default(),
            unused_id,
        )
        .unwrap();
        let creds = s.agent.broker.credentials.unwrap();
        assert_eq!(
            (creds.username.as_str(), creds.password.as_str()),
            ("u", "q")
        );
    }

    #[test]
    fn the_mac_id_skips_loopback_and_zero_addresses() {
        let dir = tempfile::tempdir().unwrap();
        for (name, mac) in [
            ("lo", "00:00:00:00:00:00"),
            ("dummy0", "00:00:00:00:00:00"),
            ("eth0", "dc:a6:32:bf:91:cc"),
            ("wlan0", "dc:a6:32:bf:91:cd"),
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("address"), format!("{mac}\n")).unwrap();
        }
        assert_eq!(mac_robot_id(dir.path()).unwrap().as_str(), "0xdca632bf91cc");
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            mac_robot_id(empty.path()),
            Err(ConfigError::NoMac(_))
        ));
    }
}
