//! `INIT`: a team for each robot while registration is open, `GAME_ALREADY_STARTED` after.

use super::{Game, Ignored, Phase, Player, TeamAssignment};
use crate::{Answer, Outbound, TankId, Team};

impl Game {
    pub(super) fn on_init(&mut self, id: &TankId, out: &mut Vec<Outbound>) -> Result<(), Ignored> {
        if self.phase == Phase::Ended {
            return Err(Ignored::Ended);
        }
        // A registered robot that restarted asks again: it is still in the game, same team.
        if let Some(player) = self.players.get(id) {
            let team = player.team;
            self.welcome(id, team, out);
            return Ok(());
        }
        if self.phase != Phase::Registration {
            out.push(Outbound::new(id, Answer::GameAlreadyStarted));
            return Ok(());
        }
        let team = match &self.config.teams {
            TeamAssignment::Balanced => self.smaller_team(),
            TeamAssignment::Roster(roster) => *roster.get(id).ok_or(Ignored::NotOnRoster)?,
        };
        self.players.insert(id.clone(), Player::new(team));
        self.scores.register(id, team);
        self.welcome(id, team, out);
        Ok(())
    }

    fn welcome(&self, id: &TankId, team: Team, out: &mut Vec<Outbound>) {
        let code = self.config.qr_code(team).to_owned();
        out.extend([
            Outbound::new(id, Answer::Team(team)),
            Outbound::new(id, Answer::QrCode(code)),
            Outbound::new(id, Answer::End),
        ]);
    }

    /// The team with fewer players; red on a tie, so the order of arrival decides, not chance.
    fn smaller_team(&self) -> Team {
        let count = |team| self.players.values().filter(|p| p.team == team).count();
        if count(Team::Blue) < count(Team::Red) {
            Team::Blue
        } else {
            Team::Red
        }
    }

    /// Players of one team, in id order.
    pub fn team_players(&self, team: Team) -> impl Iterator<Item = &TankId> {
        self.players
            .iter()
            .filter(move |(_, p)| p.team == team)
            .map(|(id, _)| id)
    }
}
