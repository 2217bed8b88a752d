//! The game routes' typed requests and answers, shared by the handlers (`api/game.rs`), the CLI
//! (`cli/game.rs`) and the tests, so none of them reads a game back by string key.

use std::collections::BTreeMap;

use fleet_game::view::{FlagView, GameView};
use fleet_game::{Phase, Scores, TankId, Team, TeamScore};
use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

use crate::domain::CommandOutcome;

/// `POST /api/games`: a new game, in registration until it is started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGame {
    pub name: String,
    #[serde(default = "default_flags_to_win")]
    pub flags_to_win: u32,
    #[serde(default = "default_capture_time_ms")]
    pub capture_time_ms: u64,
    #[serde(default)]
    pub teams: TeamsFrom,
    /// Each base's code; unset: the arena map's (`RASPTANK-BASE-RED` / `-BLUE`).
    #[serde(default)]
    pub red_qr_code: Option<String>,
    #[serde(default)]
    pub blue_qr_code: Option<String>,
}

impl NewGame {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            flags_to_win: default_flags_to_win(),
            capture_time_ms: default_capture_time_ms(),
            teams: TeamsFrom::Balanced,
            red_qr_code: None,
            blue_qr_code: None,
        }
    }
}

fn default_flags_to_win() -> u32 {
    fleet_game::rules::DEFAULT_FLAGS_TO_WIN
}

fn default_capture_time_ms() -> u64 {
    fleet_game::rules::DEFAULT_CAPTURE_TIME.as_millis() as u64
}

/// Where players get their team.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum TeamsFrom {
    /// At registration, to the smaller team (red on a tie).
    #[default]
    Balanced,
    /// From two groups of the fleet: their members, and only they, may register.
    Groups { red: String, blue: String },
}

/// `POST /api/games/{game}/start`: robots not ready refuse the start unless bypassed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartGame {
    /// Robots to start without, by id.
    #[serde(default)]
    pub bypass: Vec<RobotId>,
    /// Start whoever is not ready.
    #[serde(default)]
    pub bypass_all: bool,
}

/// How the master reaches a player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayerKind {
    /// A students' robot speaking only the legacy protocol: it cannot be stopped remotely.
    Legacy,
    /// The project's agent in game mode: estopped on pause, released on resume.
    Agent,
}

/// One robot checked by the readiness gate before start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    pub robot: RobotId,
    pub kind: PlayerKind,
    pub ready: bool,
    /// Why not, when not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerDetails {
    pub id: TankId,
    pub team: Team,
    pub kind: PlayerKind,
    pub in_zone: bool,
    pub carrying: bool,
    pub capture_left_ms: Option<u64>,
    pub immobilised_left_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamDetails {
    pub team: Team,
    pub qr_code: String,
    pub players: Vec<TankId>,
    pub score: TeamScore,
}

/// Where the flag is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FlagDetails {
    InZone,
    /// Robots capturing it, soonest first, with the time each has left.
    BeingCaptured {
        by: Vec<(TankId, u64)>,
    },
    Carried {
        by: TankId,
    },
}

/// One game as the dashboard and `game show` present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameDetails {
    pub name: String,
    /// The game the commands and the legacy topics go to.
    pub current: bool,
    pub phase: Phase,
    pub winner: Option<Team>,
    pub flags_to_win: u32,
    pub capture_time_ms: u64,
    pub teams: Vec<TeamDetails>,
    pub players: Vec<PlayerDetails>,
    /// With teams from groups: who may register, and in which team (empty when balanced).
    #[serde(default)]
    pub roster: BTreeMap<TankId, Team>,
    pub flag: FlagDetails,
    pub scores: Scores,
    /// Well-formed messages that could not be played, by reason.
    pub ignored: BTreeMap<String, u64>,
    /// Messages that did not parse, by reason.
    pub refused: BTreeMap<String, u64>,
    /// Orchestrator clock, Unix milliseconds.
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
}

impl GameDetails {
    pub(crate) fn from_view(
        view: GameView,
        kinds: &BTreeMap<TankId, PlayerKind>,
        roster: BTreeMap<TankId, Team>,
        times: GameTimes,
    ) -> Self {
        let kind = |id: &TankId| kinds.get(id).copied().unwrap_or(PlayerKind::Legacy);
        Self {
            name: view.name,
            current: false,
            phase: view.phase,
            winner: view.winner,
            flags_to_win: view.flags_to_win,
            capture_time_ms: view.capture_time_ms,
            teams: view
                .teams
                .into_iter()
                .map(|t| TeamDetails {
                    team: t.team,
                    qr_code: t.qr_code,
                    players: t.players,
                    score: t.score,
                })
                .collect(),
            players: view
                .players
                .into_iter()
                .map(|p| PlayerDetails {
                    kind: kind(&p.id),
                    id: p.id,
                    team: p.team,
                    in_zone: p.in_zone,
                    carrying: p.carrying,
                    capture_left_ms: p.capture_left_ms,
                    immobilised_left_ms: p.immobilised_left_ms,
                })
                .collect(),
            roster,
            flag: match view.flag {
                FlagView::InZone => FlagDetails::InZone,
                FlagView::BeingCaptured { by } => FlagDetails::BeingCaptured {
                    by: by.into_iter().map(|c| (c.id, c.left_ms)).collect(),
                },
                FlagView::Carried { by } => FlagDetails::Carried { by },
            },
            scores: view.scores,
            ignored: view
                .ignored
                .into_iter()
                .map(|(k, v)| (k.reason().to_owned(), v))
                .collect(),
            refused: view
                .refused
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            created_at_ms: times.created_at_ms,
            started_at_ms: times.started_at_ms,
            ended_at_ms: times.ended_at_ms,
        }
    }
}

/// When a game changed phase, orchestrator clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct GameTimes {
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
}

/// The answer of start, pause, resume and end: the game after the change, and the commands
/// sent to the players that can be stopped (estop on pause, release on resume).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameChanged {
    pub game: GameDetails,
    /// Robots bypassed at start.
    #[serde(default)]
    pub bypassed: Vec<RobotId>,
    #[serde(default)]
    pub commands: Vec<PlayerCommand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerCommand {
    pub robot: RobotId,
    /// `acked`, `rejected`, `timed_out`, ...: what the robot answered.
    pub outcome: String,
}

impl PlayerCommand {
    pub(crate) fn new(robot: RobotId, outcome: &CommandOutcome) -> Self {
        let outcome = match outcome {
            CommandOutcome::Acked(_) => "acked".to_owned(),
            CommandOutcome::Rejected { message, .. } => format!("rejected: {message}"),
            CommandOutcome::TimedOut => "timed out".to_owned(),
            CommandOutcome::RobotOffline => "offline".to_owned(),
            CommandOutcome::UnknownRobot => "unknown".to_owned(),
            CommandOutcome::Failed { reason } => format!("failed: {reason}"),
        };
        Self { robot, outcome }
    }
}

/// `GET /api/games`: every game of this run, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameList {
    pub games: Vec<GameSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameSummary {
    pub name: String,
    pub current: bool,
    pub phase: Phase,
    pub winner: Option<Team>,
    pub players: usize,
}

/// The refusal of a start: who is not ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotReady {
    pub error: String,
    pub not_ready: Vec<Readiness>,
}
