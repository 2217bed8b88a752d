//! One actor per game: it owns the pure rules ([`fleet_game::Game`]), plays every legacy
//! message and control the master hands it, publishes the answers, and keeps one timer armed at
//! the game's next deadline (a capture ending, an immobilisation running out). A late timer
//! changes nothing: the rules play passed deadlines first.

use std::collections::BTreeMap;
use std::time::Instant;

use actix::prelude::*;
use fleet_game::{Game, GameError, Outbound, Phase, TankId, TeamAssignment};
use tracing::{debug, info};

use super::link::{Answers, Heard};
use crate::contract::game::{GameDetails, GameTimes, PlayerKind};
use crate::domain::now_ms;

/// A teacher's action on a game.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameAction {
    Start,
    Pause,
    Resume,
    End,
}

impl GameAction {
    pub fn event(self) -> &'static str {
        match self {
            GameAction::Start => "started",
            GameAction::Pause => "paused",
            GameAction::Resume => "resumed",
            GameAction::End => "ended",
        }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<GameDetails, GameError>")]
pub struct Control(pub GameAction);

/// The game as it stands now.
#[derive(Debug, Message)]
#[rtype(result = "GameDetails")]
pub struct Show;

/// Tells the game which of its players are the project's agents (the fleet knows them).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetKinds(pub BTreeMap<TankId, PlayerKind>);

/// Told to the registry when a game ends (won or ended by the teacher).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct GameEnded(pub String);

pub struct GameActor {
    game: Game,
    answers: Answers,
    ended: Option<Recipient<GameEnded>>,
    kinds: BTreeMap<TankId, PlayerKind>,
    times: GameTimes,
    timer: Option<SpawnHandle>,
}

impl GameActor {
    pub fn new(game: Game, answers: Answers) -> Self {
        Self {
            game,
            answers,
            ended: None,
            kinds: BTreeMap::new(),
            times: GameTimes {
                created_at_ms: now_ms(),
                ..GameTimes::default()
            },
            timer: None,
        }
    }

    /// Who hears that the game ended.
    pub fn telling(mut self, ended: Recipient<GameEnded>) -> Self {
        self.ended = Some(ended);
        self
    }

    fn details(&self) -> GameDetails {
        let roster = match &self.game.config().teams {
            TeamAssignment::Balanced => BTreeMap::new(),
            TeamAssignment::Roster(roster) => roster.clone(),
        };
        GameDetails::from_view(
            self.game.view(Instant::now()),
            &self.kinds,
            roster,
            self.times,
        )
    }

    /// Publishes what the rules answered, notes a win, and re-arms the timer.
    fn after(&mut self, phase_before: Phase, out: Vec<Outbound>, ctx: &mut Context<Self>) {
        for outbound in &out {
            self.answers.publish(outbound);
        }
        if phase_before != Phase::Ended && self.game.phase() == Phase::Ended {
            self.times.ended_at_ms.get_or_insert(now_ms());
            if let Some(winner) = self.game.winner() {
                info!(game = %self.game.config().name, %winner, "game won");
            }
            self.record("ended");
            if let Some(ended) = &self.ended {
                ended.do_send(GameEnded(self.game.config().name.clone()));
            }
        }
        self.rearm(ctx);
    }

    fn rearm(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        if let Some(deadline) = self.game.next_deadline() {
            let wait = deadline.saturating_duration_since(Instant::now());
            self.timer = Some(ctx.run_later(wait, |act, ctx| {
                act.timer = None;
                let before = act.game.phase();
                let out = act.game.tick(Instant::now());
                act.after(before, out, ctx);
            }));
        }
    }

    fn record(&self, event: &str) {
        let json = serde_json::to_vec(&self.details()).unwrap_or_default();
        self.answers.record_event(event, json);
    }
}

impl Actor for GameActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        info!(game = %self.game.config().name, "game created; registration open");
        self.record("created");
    }
}

impl Handler<Heard> for GameActor {
    type Result = ();

    fn handle(&mut self, heard: Heard, ctx: &mut Context<Self>) {
        let before = self.game.phase();
        match heard.message {
            Ok(message) => {
                let out = self.game.handle(heard.at, message);
                if let Some(reason) = self.game.last_ignored() {
                    debug!(reason = reason.reason(), "legacy message ignored");
                }
                self.after(before, out, ctx);
            }
            Err(error) => {
                debug!(%error, "legacy message refused");
                self.game.count_refused(&error);
            }
        }
    }
}

impl Handler<Control> for GameActor {
    type Result = Result<GameDetails, GameError>;

    fn handle(&mut self, Control(action): Control, ctx: &mut Context<Self>) -> Self::Result {
        let now = Instant::now();
        let before = self.game.phase();
        // Deadlines passed before the action are played first, as for a message.
        let out = self.game.tick(now);
        let done = match action {
            GameAction::Start => self.game.start(now),
            GameAction::Pause => self.game.pause(now),
            GameAction::Resume => self.game.resume(now),
            GameAction::End => self.game.end(now),
        };
        if done.is_ok() {
            if action == GameAction::Start {
                self.times.started_at_ms = Some(now_ms());
            }
            info!(game = %self.game.config().name, action = action.event(), "game control");
            if action != GameAction::End {
                self.record(action.event());
            }
        }
        self.after(before, out, ctx);
        done.map(|()| self.details())
    }
}

impl Handler<Show> for GameActor {
    type Result = MessageResult<Show>;

    fn handle(&mut self, _: Show, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.details())
    }
}

impl Handler<SetKinds> for GameActor {
    type Result = ();

    fn handle(&mut self, SetKinds(kinds): SetKinds, _: &mut Context<Self>) {
        self.kinds = kinds;
    }
}
