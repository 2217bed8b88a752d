//! A snapshot of a game for the dashboard, the CLI and recordings: teams, players, the flag,
//! scores and ignored messages, with countdowns computed at the time asked.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::{Game, Ignored, Phase, Scores, TankId, Team, TeamScore};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameView {
    pub name: String,
    pub phase: Phase,
    pub winner: Option<Team>,
    pub flags_to_win: u32,
    pub capture_time_ms: u64,
    pub teams: Vec<TeamView>,
    pub players: Vec<PlayerView>,
    pub flag: FlagView,
    pub scores: Scores,
    pub ignored: BTreeMap<Ignored, u64>,
    /// Messages that did not parse, by reason (counted by the caller with `count_refused`).
    pub refused: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamView {
    pub team: Team,
    pub qr_code: String,
    pub players: Vec<TankId>,
    pub score: TeamScore,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerView {
    pub id: TankId,
    pub team: Team,
    pub in_zone: bool,
    pub carrying: bool,
    /// Time left of its capture, while capturing.
    pub capture_left_ms: Option<u64>,
    /// Time left out of play after a hit.
    pub immobilised_left_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FlagView {
    InZone,
    /// In the zone, with robots capturing it, soonest first.
    BeingCaptured {
        by: Vec<Capture>,
    },
    Carried {
        by: TankId,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    pub id: TankId,
    pub left_ms: u64,
}

impl Game {
    /// The game as it stands at `now` (while paused, countdowns stand still at the pause).
    pub fn view(&self, now: Instant) -> GameView {
        let now = self.paused_at().unwrap_or(now);
        let left = |until: Option<Instant>| {
            until
                .filter(|u| *u > now)
                .map(|u| u.duration_since(now).as_millis() as u64)
        };
        let players: Vec<PlayerView> = self
            .players()
            .iter()
            .map(|(id, p)| PlayerView {
                id: id.clone(),
                team: p.team,
                in_zone: p.in_zone,
                carrying: p.carrying,
                capture_left_ms: p.capture_until.map(|u| left(Some(u)).unwrap_or(0)),
                immobilised_left_ms: left(p.immobilised_until),
            })
            .collect();
        let flag = match self.carrier() {
            Some(id) => FlagView::Carried { by: id.clone() },
            None => {
                let mut by: Vec<Capture> = players
                    .iter()
                    .filter_map(|p| {
                        p.capture_left_ms.map(|left_ms| Capture {
                            id: p.id.clone(),
                            left_ms,
                        })
                    })
                    .collect();
                by.sort_by_key(|c| c.left_ms);
                if by.is_empty() {
                    FlagView::InZone
                } else {
                    FlagView::BeingCaptured { by }
                }
            }
        };
        GameView {
            name: self.config().name.clone(),
            phase: self.phase(),
            winner: self.winner(),
            flags_to_win: self.config().flags_to_win,
            capture_time_ms: self.config().capture_time.as_millis() as u64,
            teams: Team::ALL
                .iter()
                .map(|&team| TeamView {
                    team,
                    qr_code: self.config().qr_code(team).to_owned(),
                    players: self.team_players(team).cloned().collect(),
                    score: self.scores().team(team),
                })
                .collect(),
            players,
            flag,
            scores: self.scores().clone(),
            ignored: self.ignored().clone(),
            refused: self.refused().clone(),
        }
    }
}
