//! The capture zone: entering starts a capture, leaving or being shot aborts it, and the
//! first capture to last the whole capture time takes the flag.

use std::time::Instant;

use super::{Game, Ignored, Phase};
use crate::{Answer, Outbound, TankId};

impl Game {
    /// When the next capture completes; arm one timer for it and call [`Game::tick`] then.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.phase != Phase::Running {
            return None;
        }
        self.players.values().filter_map(|p| p.capture_until).min()
    }

    /// Plays what is due at `now`: a completed capture gives the flag (`FLAG_CATCHED`), and every
    /// other robot capturing then learns the flag has gone (`NOT_ONBASE`).
    pub fn tick(&mut self, now: Instant) -> Vec<Outbound> {
        let mut out = Vec::new();
        if self.phase != Phase::Running {
            return out;
        }
        // Earliest deadline first; ties go to the smaller id so the outcome never depends on
        // map order.
        let winner = self
            .players
            .iter()
            .filter_map(|(id, p)| {
                p.capture_until
                    .filter(|until| *until <= now)
                    .map(|u| (u, id))
            })
            .min()
            .map(|(_, id)| id.clone());
        let Some(winner) = winner else {
            return out;
        };
        for (id, player) in &mut self.players {
            if player.capture_until.take().is_none() {
                continue;
            }
            if *id == winner {
                player.carrying = true;
                out.push(Outbound::new(id, Answer::FlagCatched));
            } else {
                out.push(Outbound::new(id, Answer::NotOnbase));
            }
        }
        self.scores.add(&winner, |s| s.captures += 1);
        out
    }

    pub(super) fn on_enter(
        &mut self,
        now: Instant,
        id: &TankId,
        out: &mut Vec<Outbound>,
    ) -> Result<(), Ignored> {
        let carrier = self.carrier().cloned();
        let capture_time = self.config.capture_time;
        let player = self.players.get_mut(id).ok_or(Ignored::UnknownRobot)?;
        if player.in_zone {
            return Err(Ignored::AlreadyInZone);
        }
        player.in_zone = true;
        let answer = match carrier {
            Some(c) if c == *id => Answer::AlreadyGot,
            Some(_) => Answer::NotOnbase,
            None => {
                player.capture_until = Some(now + capture_time);
                Answer::StartCatching
            }
        };
        out.push(Outbound::new(id, answer));
        Ok(())
    }

    /// Leaving aborts a capture in progress; leaving with the flag or after `NOT_ONBASE` is
    /// silent, as in the reference.
    pub(super) fn on_exit(&mut self, id: &TankId, out: &mut Vec<Outbound>) -> Result<(), Ignored> {
        let player = self.players.get_mut(id).ok_or(Ignored::UnknownRobot)?;
        if !player.in_zone {
            return Err(Ignored::NotInZone);
        }
        player.in_zone = false;
        if player.capture_until.take().is_some() {
            out.push(Outbound::new(id, Answer::AbortCatchingExit));
        }
        Ok(())
    }
}
