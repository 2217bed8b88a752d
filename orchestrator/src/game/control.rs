//! The teacher's game commands (new, start, pause, resume, end, show), as the API and the CLI
//! reach them: each combines the registry, the game's actor, the fleet (readiness, estop on
//! pause) and the store (groups as teams). A command names a game or acts on the current one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use actix::Addr;
use fleet_course::{Course, ZoneRole};
use fleet_game::{GameConfig, GameError, Phase, TankId, Team, TeamAssignment};
use fleet_protocol::{CommandKind, RobotId};

use super::actor::{Control, GameAction, SetKinds, Show};
use super::master::{CreateGame, FindGame, GameMaster, GameRef, ListGames, MasterError};
use super::readiness;
use crate::actors::{FleetActor, ListRobots, RobotView, SendCommand};
use crate::contract::game::{
    GameChanged, GameDetails, GameList, GameSummary, NewGame, PlayerCommand, PlayerKind, Readiness,
    StartGame, TeamsFrom,
};
use crate::domain::{BadGroupName, GroupName};
use crate::store::{GroupError, Store};

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no game yet: make one with `game new NAME`")]
    NoGame,
    #[error("no game named {0:?}")]
    UnknownGame(String),
    #[error(transparent)]
    Master(#[from] MasterError),
    #[error(transparent)]
    Rules(#[from] GameError),
    #[error("{0}")]
    Teams(String),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    GroupName(#[from] BadGroupName),
    #[error(
        "not ready: {}; start without them with --bypass ID (or --bypass-all)",
        readiness::describe(.0)
    )]
    NotReady(Vec<Readiness>),
    #[error("the game master is not answering: {0}")]
    Unavailable(#[from] actix::MailboxError),
}

/// Cheap to clone: addresses and a pool.
#[derive(Clone)]
pub struct GameControl {
    master: Addr<GameMaster>,
    fleet: Addr<FleetActor>,
    store: Store,
    /// The arena's base codes, used when a new game names none.
    default_codes: (String, String),
}

impl GameControl {
    pub fn new(master: Addr<GameMaster>, fleet: Addr<FleetActor>, store: Store) -> Self {
        Self {
            master,
            fleet,
            store,
            default_codes: arena_codes(),
        }
    }

    pub async fn create(&self, request: NewGame) -> Result<GameDetails, ControlError> {
        let teams = match &request.teams {
            TeamsFrom::Balanced => TeamAssignment::Balanced,
            TeamsFrom::Groups { red, blue } => {
                TeamAssignment::Roster(self.roster(red, blue).await?)
            }
        };
        let config = GameConfig {
            flags_to_win: request.flags_to_win,
            capture_time: Duration::from_millis(request.capture_time_ms),
            red_qr_code: request
                .red_qr_code
                .clone()
                .unwrap_or_else(|| self.default_codes.0.clone()),
            blue_qr_code: request
                .blue_qr_code
                .clone()
                .unwrap_or_else(|| self.default_codes.1.clone()),
            teams,
            ..GameConfig::named(&request.name)
        };
        let game = self.master.send(CreateGame(config)).await??;
        self.details(&game).await
    }

    pub async fn list(&self) -> Result<GameList, ControlError> {
        let mut games = Vec::new();
        for game in self.master.send(ListGames).await? {
            let details = game.addr.send(Show).await?;
            games.push(GameSummary {
                name: game.name,
                current: game.current,
                phase: details.phase,
                winner: details.winner,
                players: details.players.len(),
            });
        }
        Ok(GameList { games })
    }

    pub async fn show(&self, name: Option<&str>) -> Result<GameDetails, ControlError> {
        let game = self.find(name).await?;
        self.details(&game).await
    }

    /// Starts the game once every expected robot is ready or bypassed.
    pub async fn start(
        &self,
        name: Option<&str>,
        request: StartGame,
    ) -> Result<GameChanged, ControlError> {
        let game = self.find(name).await?;
        let details = self.details(&game).await?;
        let registered: BTreeSet<RobotId> = details.players.iter().map(|p| p.id.clone()).collect();
        let roster: BTreeSet<RobotId> = details.roster.keys().cloned().collect();
        let robots = self.fleet.send(ListRobots).await?;
        let checked = readiness::check(&registered, &roster, &robots);
        let bypass: BTreeSet<&RobotId> = request.bypass.iter().collect();
        let (bypassed, blocking): (Vec<Readiness>, Vec<Readiness>) = checked
            .into_iter()
            .filter(|r| !r.ready)
            .partition(|r| request.bypass_all || bypass.contains(&r.robot));
        if !blocking.is_empty() {
            return Err(ControlError::NotReady(blocking));
        }
        let game_now = game.addr.send(Control(GameAction::Start)).await??;
        Ok(GameChanged {
            game: current(game_now, &game),
            bypassed: bypassed.into_iter().map(|r| r.robot).collect(),
            commands: Vec::new(),
        })
    }

    /// Pauses the game clock, then estops every player that can be stopped.
    pub async fn pause(&self, name: Option<&str>) -> Result<GameChanged, ControlError> {
        let game = self.find(name).await?;
        let details = game.addr.send(Control(GameAction::Pause)).await??;
        let commands = self.command_agents(&details, CommandKind::Estop).await;
        Ok(GameChanged {
            game: current(details, &game),
            bypassed: Vec::new(),
            commands,
        })
    }

    /// Releases the players it stopped, then runs the clock again.
    pub async fn resume(&self, name: Option<&str>) -> Result<GameChanged, ControlError> {
        let game = self.find(name).await?;
        let before = self.details(&game).await?;
        if before.phase != Phase::Paused {
            return Err(GameError::WrongPhase {
                action: "resume",
                phase: before.phase,
            }
            .into());
        }
        let commands = self.command_agents(&before, CommandKind::Release).await;
        let details = game.addr.send(Control(GameAction::Resume)).await??;
        Ok(GameChanged {
            game: current(details, &game),
            bypassed: Vec::new(),
            commands,
        })
    }

    pub async fn end(&self, name: Option<&str>) -> Result<GameChanged, ControlError> {
        let game = self.find(name).await?;
        let details = game.addr.send(Control(GameAction::End)).await??;
        Ok(GameChanged {
            game: current(details, &game),
            bypassed: Vec::new(),
            commands: Vec::new(),
        })
    }

    async fn find(&self, name: Option<&str>) -> Result<GameRef, ControlError> {
        match self.master.send(FindGame(name.map(str::to_owned))).await? {
            Some(game) => Ok(game),
            None => Err(match name {
                Some(name) if name != "current" => ControlError::UnknownGame(name.to_owned()),
                _ => ControlError::NoGame,
            }),
        }
    }

    /// The game with each player's kind as the fleet knows it now.
    async fn details(&self, game: &GameRef) -> Result<GameDetails, ControlError> {
        let robots = self.fleet.send(ListRobots).await?;
        let shown = game.addr.send(Show).await?;
        let kinds: BTreeMap<TankId, PlayerKind> = shown
            .players
            .iter()
            .map(|p| (p.id.clone(), kind_in(&robots, &p.id)))
            .collect();
        game.addr.send(SetKinds(kinds)).await?;
        Ok(current(game.addr.send(Show).await?, game))
    }

    async fn roster(&self, red: &str, blue: &str) -> Result<BTreeMap<TankId, Team>, ControlError> {
        let mut roster = BTreeMap::new();
        for (group, team) in [(red, Team::Red), (blue, Team::Blue)] {
            let members = self
                .store
                .get_group(&GroupName::parse(group)?)
                .await?
                .members;
            for robot in members {
                if let Some(other) = roster.insert(robot.clone(), team)
                    && other != team
                {
                    return Err(ControlError::Teams(format!(
                        "{robot} is in both teams' groups ({red} and {blue})"
                    )));
                }
            }
        }
        Ok(roster)
    }

    /// Sends `kind` to every player that is the project's agent, in parallel.
    async fn command_agents(&self, details: &GameDetails, kind: CommandKind) -> Vec<PlayerCommand> {
        let agents = details
            .players
            .iter()
            .filter(|p| p.kind == PlayerKind::Agent)
            .map(|p| {
                let (fleet, kind, robot) = (self.fleet.clone(), kind.clone(), p.id.clone());
                async move {
                    let outcome = fleet
                        .send(SendCommand {
                            robot: robot.clone(),
                            kind,
                        })
                        .await
                        .unwrap_or_else(|e| crate::actors::CommandOutcome::Failed {
                            reason: format!("the fleet did not answer: {e}"),
                        });
                    PlayerCommand::new(robot, &outcome)
                }
            });
        futures_util::future::join_all(agents).await
    }
}

fn current(mut details: GameDetails, game: &GameRef) -> GameDetails {
    details.current = game.current;
    details
}

fn kind_in(robots: &[RobotView], id: &TankId) -> PlayerKind {
    readiness::kind_of(robots.iter().find(|v| &v.id == id))
}

/// The arena map's base codes, red then blue.
fn arena_codes() -> (String, String) {
    let arena = Course::arena();
    let code = |team: &str| {
        arena
            .zones_with_role(ZoneRole::Base)
            .find(|z| z.team.as_deref() == Some(team))
            .and_then(|z| z.qr_code.clone())
            .unwrap_or_else(|| format!("{}_BASE", team.to_uppercase()))
    };
    (code("red"), code("blue"))
}
