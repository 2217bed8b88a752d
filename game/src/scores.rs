//! Scores per robot and per team, kept as the game is played and serialisable for views.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{TankId, Team};

/// What one robot, or one team summed, has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TeamScore {
    /// Flags taken from the zone.
    pub captures: u32,
    /// Flags brought home: what wins the game.
    pub deposits: u32,
    /// Flags dropped because the carrier was shot.
    pub flags_lost: u32,
    /// Hits on the other team.
    pub hits_given: u32,
    pub hits_taken: u32,
    /// Hits on one's own team (counted for the shooter).
    pub friendly_fire: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotScore {
    pub team: Team,
    #[serde(flatten)]
    pub score: TeamScore,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scores {
    pub robots: BTreeMap<TankId, RobotScore>,
    pub teams: BTreeMap<Team, TeamScore>,
}

impl Scores {
    pub fn new() -> Self {
        Self {
            robots: BTreeMap::new(),
            teams: Team::ALL
                .iter()
                .map(|t| (*t, TeamScore::default()))
                .collect(),
        }
    }

    /// Starts a robot at zero (keeps its score if it registers again).
    pub fn register(&mut self, id: &TankId, team: Team) {
        self.robots.entry(id.clone()).or_insert(RobotScore {
            team,
            score: TeamScore::default(),
        });
    }

    /// Counts one event for a registered robot and its team.
    pub(crate) fn add(&mut self, id: &TankId, count: impl Fn(&mut TeamScore)) {
        if let Some(robot) = self.robots.get_mut(id) {
            count(&mut robot.score);
            count(self.teams.entry(robot.team).or_default());
        }
    }

    pub fn robot(&self, id: &TankId) -> Option<&TeamScore> {
        self.robots.get(id).map(|r| &r.score)
    }

    pub fn team(&self, team: Team) -> TeamScore {
        self.teams.get(&team).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_counts_for_the_robot_and_its_team_and_serialises_by_id() {
        let id = TankId::parse("0xdca632bf91cc").unwrap();
        let mut scores = Scores::new();
        scores.register(&id, Team::Blue);
        scores.add(&id, |s| s.hits_given += 1);
        scores.add(&TankId::parse("0xunknown").unwrap(), |s| s.hits_given += 1);
        assert_eq!(scores.robot(&id).unwrap().hits_given, 1);
        assert_eq!(scores.team(Team::Blue).hits_given, 1);
        assert_eq!(scores.team(Team::Red), TeamScore::default());
        let json = serde_json::to_value(&scores).unwrap();
        assert_eq!(json["robots"]["0xdca632bf91cc"]["team"], "blue");
        assert_eq!(json["robots"]["0xdca632bf91cc"]["hits_given"], 1);
        assert_eq!(json["teams"]["blue"]["hits_given"], 1);
        let back: Scores = serde_json::from_value(json).unwrap();
        assert_eq!(back, scores);
    }
}
