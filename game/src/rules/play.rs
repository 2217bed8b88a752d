//! Shots and base scans, and the phase checks in front of every play message.

use std::time::Instant;

use super::{Game, Ignored, Phase};
use crate::{Answer, Inbound, Outbound, TankId};

impl Game {
    pub(super) fn on_play(
        &mut self,
        now: Instant,
        message: Inbound,
        out: &mut Vec<Outbound>,
    ) -> Result<(), Ignored> {
        match (self.phase, &message) {
            (Phase::Running, _) => {}
            // A robot leaving during a pause still breaks its capture: presence must be unbroken.
            (Phase::Paused, Inbound::ExitFlagArea { .. }) => {}
            (Phase::Registration, _) => return Err(Ignored::NotStarted),
            (Phase::Paused, _) => return Err(Ignored::Paused),
            (Phase::Ended, _) => return Err(Ignored::Ended),
        }
        if !self.players.contains_key(message.id()) {
            return Err(Ignored::UnknownRobot);
        }
        match message {
            Inbound::EnterFlagArea { id } => self.on_enter(now, &id, out),
            Inbound::ExitFlagArea { id } => self.on_exit(&id, out),
            Inbound::ShotBy {
                victim, shooter, ..
            } => self.on_shot(now, &victim, &shooter, out),
            Inbound::QrCode { id, code } => self.on_scan(&id, &code, out),
            Inbound::Init { .. } => Ok(()),
        }
    }

    /// Opposing teams: `SHOT` to both, and the victim's capture or flag is lost. Same team:
    /// `FRIENDLY_FIRE` to the shooter only.
    fn on_shot(
        &mut self,
        now: Instant,
        victim: &TankId,
        shooter: &TankId,
        out: &mut Vec<Outbound>,
    ) -> Result<(), Ignored> {
        if victim == shooter {
            return Err(Ignored::SelfShot);
        }
        let shooter_player = self.players.get(shooter).ok_or(Ignored::UnknownShooter)?;
        if shooter_player.immobilised(now) {
            return Err(Ignored::ShooterImmobilised);
        }
        let shooter_team = shooter_player.team;
        let immobilisation = self.config.immobilisation;
        let player = self.players.get_mut(victim).ok_or(Ignored::UnknownRobot)?;
        if player.team == shooter_team {
            out.push(Outbound::new(shooter, Answer::FriendlyFire));
            self.scores.add(shooter, |s| s.friendly_fire += 1);
            return Ok(());
        }
        if player.immobilised(now) {
            return Err(Ignored::VictimImmobilised);
        }
        player.immobilised_until = Some(now + immobilisation);
        out.push(Outbound::new(victim, Answer::ShotIn));
        out.push(Outbound::new(shooter, Answer::ShotOut));
        if player.capture_until.take().is_some() {
            out.push(Outbound::new(victim, Answer::AbortCatchingShot));
        }
        let lost = std::mem::take(&mut player.carrying);
        if lost {
            // The flag goes back to the zone.
            out.push(Outbound::new(victim, Answer::FlagLost));
            self.scores.add(victim, |s| s.flags_lost += 1);
        }
        self.scores.add(victim, |s| s.hits_taken += 1);
        self.scores.add(shooter, |s| s.hits_given += 1);
        Ok(())
    }

    /// The robot's own base code: `SCAN_SUCCESSFUL`, then `FLAG_DEPOSITED` or `NO_FLAG`; the
    /// deposit that reaches the flags to win sends `WIN <TEAM>` to every player and ends the game.
    fn on_scan(&mut self, id: &TankId, code: &str, out: &mut Vec<Outbound>) -> Result<(), Ignored> {
        let player = self.players.get_mut(id).ok_or(Ignored::UnknownRobot)?;
        let team = player.team;
        if code != self.config.qr_code(team) {
            out.push(Outbound::new(id, Answer::ScanFailed));
            return Ok(());
        }
        out.push(Outbound::new(id, Answer::ScanSuccessful));
        if !std::mem::take(&mut player.carrying) {
            out.push(Outbound::new(id, Answer::NoFlag));
            return Ok(());
        }
        out.push(Outbound::new(id, Answer::FlagDeposited));
        self.scores.add(id, |s| s.deposits += 1);
        if self.scores.team(team).deposits >= self.config.flags_to_win {
            self.winner = Some(team);
            self.phase = Phase::Ended;
            for (other, player) in &mut self.players {
                player.capture_until = None;
                out.push(Outbound::new(other, Answer::Win(team)));
            }
        }
        Ok(())
    }
}
