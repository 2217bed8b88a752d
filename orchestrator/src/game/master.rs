//! The game registry: every game of this run by name, and the current one, which the legacy
//! topics and the teacher's unnamed commands go to. The legacy protocol carries no game name,
//! so only one game can be open (not ended) at a time.

use actix::prelude::*;
use fleet_game::{Game, GameConfig, GameError, Phase};
use tracing::debug;

use std::collections::BTreeSet;
use std::time::Instant;

use fleet_game::{Inbound, TankId};

use super::actor::{GameActor, GameEnded, Show};
use super::link::{Answers, Heard};
use crate::actors::LegacyHeard;
use crate::domain::now_ms;

/// One game of the registry.
#[derive(Debug, Clone)]
pub struct GameRef {
    pub name: String,
    pub addr: Addr<GameActor>,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MasterError {
    #[error("a game named {0:?} exists already")]
    Exists(String),
    #[error("game {0:?} is still open: end it before making another")]
    Open(String),
    #[error("{0:?} is not a game name (\"current\" means the current game)")]
    Reserved(String),
    #[error(transparent)]
    Rules(#[from] GameError),
}

#[derive(Debug, Message)]
#[rtype(result = "Result<GameRef, MasterError>")]
pub struct CreateGame(pub GameConfig);

/// The named game, or the current one.
#[derive(Debug, Message)]
#[rtype(result = "Option<GameRef>")]
pub struct FindGame(pub Option<String>);

#[derive(Debug, Message)]
#[rtype(result = "Vec<GameRef>")]
pub struct ListGames;

pub struct GameMaster {
    answers: Answers,
    /// Told of every robot heard, so students' robots appear in the fleet as `legacy`.
    fleet: Option<Recipient<LegacyHeard>>,
    /// Oldest first; the last is the current game.
    games: Vec<(String, Addr<GameActor>)>,
    /// Whether the current game is still open (not ended).
    open: bool,
    /// Robots that sent `INIT` while no game was open: registered when the next one is made,
    /// as robots announce themselves once, when they start.
    waiting: BTreeSet<TankId>,
    /// Legacy messages heard while there was no game.
    unrouted: u64,
}

/// At most this many robots wait for a game (a flood of ids must not grow memory).
const MAX_WAITING: usize = 512;

impl GameMaster {
    pub fn new(answers: Answers) -> Self {
        Self {
            answers,
            fleet: None,
            games: Vec::new(),
            open: false,
            waiting: BTreeSet::new(),
            unrouted: 0,
        }
    }

    /// Lists the robots it hears in `fleet`.
    pub fn listing_in(mut self, fleet: Recipient<LegacyHeard>) -> Self {
        self.fleet = Some(fleet);
        self
    }

    fn refs(&self) -> Vec<GameRef> {
        let last = self.games.len().saturating_sub(1);
        self.games
            .iter()
            .enumerate()
            .map(|(i, (name, addr))| GameRef {
                name: name.clone(),
                addr: addr.clone(),
                current: i == last,
            })
            .collect()
    }
}

impl Actor for GameMaster {
    type Context = Context<Self>;
}

impl Handler<Heard> for GameMaster {
    type Result = ();

    fn handle(&mut self, heard: Heard, _: &mut Context<Self>) {
        if let (Some(fleet), Ok(inbound)) = (&self.fleet, &heard.message) {
            fleet.do_send(LegacyHeard {
                robot: inbound.id().clone(),
                at_ms: now_ms(),
            });
        }
        if !self.open
            && let Ok(Inbound::Init { id }) = &heard.message
            && self.waiting.len() < MAX_WAITING
        {
            debug!(robot = %id, "INIT with no open game: registered when one is made");
            self.waiting.insert(id.clone());
            return;
        }
        match self.games.last() {
            // do_send: the link never waits; the game drains its mailbox in order.
            Some((_, game)) => game.do_send(heard),
            None => {
                self.unrouted += 1;
                debug!(
                    unrouted = self.unrouted,
                    "legacy message with no game to play it"
                );
            }
        }
    }
}

impl Handler<CreateGame> for GameMaster {
    // Atomic: two creations at once must not both find no open game.
    type Result = AtomicResponse<Self, Result<GameRef, MasterError>>;

    fn handle(&mut self, CreateGame(config): CreateGame, _: &mut Context<Self>) -> Self::Result {
        let name = config.name.trim().to_owned();
        if name.eq_ignore_ascii_case("current") {
            return AtomicResponse::new(Box::pin(fut::ready(Err(MasterError::Reserved(name)))));
        }
        if self.games.iter().any(|(n, _)| *n == name) {
            return AtomicResponse::new(Box::pin(fut::ready(Err(MasterError::Exists(name)))));
        }
        let game = match Game::new(GameConfig {
            name: name.clone(),
            ..config
        }) {
            Ok(game) => game,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e.into())))),
        };
        let current = self.games.last().cloned();
        let answers = self.answers.clone();
        AtomicResponse::new(Box::pin(
            fut::wrap_future(async move {
                match current {
                    Some((open, addr)) => match addr.send(Show).await {
                        Ok(details) if details.phase != Phase::Ended => Some(open),
                        _ => None,
                    },
                    None => None,
                }
            })
            .map(move |open, act: &mut Self, ctx| {
                if let Some(open) = open {
                    return Err(MasterError::Open(open));
                }
                let addr = GameActor::new(game, answers)
                    .telling(ctx.address().recipient())
                    .start();
                act.games.push((name.clone(), addr.clone()));
                act.open = true;
                let at = Instant::now();
                for id in std::mem::take(&mut act.waiting) {
                    addr.do_send(Heard {
                        message: Ok(Inbound::Init { id }),
                        at,
                    });
                }
                Ok(GameRef {
                    name,
                    addr,
                    current: true,
                })
            }),
        ))
    }
}

impl Handler<GameEnded> for GameMaster {
    type Result = ();

    fn handle(&mut self, GameEnded(name): GameEnded, _: &mut Context<Self>) {
        if self
            .games
            .last()
            .is_some_and(|(current, _)| *current == name)
        {
            self.open = false;
        }
    }
}

impl Handler<FindGame> for GameMaster {
    type Result = Option<GameRef>;

    fn handle(&mut self, FindGame(name): FindGame, _: &mut Context<Self>) -> Self::Result {
        let refs = self.refs();
        match name {
            None => refs.into_iter().last(),
            Some(name) if name == "current" => refs.into_iter().last(),
            Some(name) => refs.into_iter().find(|g| g.name == name),
        }
    }
}

impl Handler<ListGames> for GameMaster {
    type Result = Vec<GameRef>;

    fn handle(&mut self, _: ListGames, _: &mut Context<Self>) -> Self::Result {
        self.refs()
    }
}
