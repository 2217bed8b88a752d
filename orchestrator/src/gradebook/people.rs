//! Who drove a robot, for the leaderboard and the gradebook: the students the roster assigns to
//! it and their team, else the robot's group as its team. The roster as it is now, not as it
//! was when the run was recorded: the database keeps no roster history.

use std::collections::BTreeMap;

use fleet_protocol::RobotId;

use crate::store::{Store, StoreError, StudentRow};

/// Each robot's students and team.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    robots: BTreeMap<String, Driver>,
    groups: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Driver {
    /// Sorted by student id, so the joined names do not depend on the roster's order.
    names: Vec<(String, String)>,
    team: Option<String>,
}

impl People {
    /// From the roster's students and each robot's group (`(robot, group)` pairs).
    pub fn new(students: &[StudentRow], groups: Vec<(String, String)>) -> Self {
        let mut robots: BTreeMap<String, Driver> = BTreeMap::new();
        for s in students {
            let Some(robot) = &s.robot else { continue };
            let driver = robots.entry(robot.as_str().to_owned()).or_default();
            driver.names.push((s.id.to_string(), s.name.clone()));
            if driver.team.is_none() {
                driver.team = s.team.as_ref().map(|t| t.as_str().to_owned());
            }
        }
        for driver in robots.values_mut() {
            driver.names.sort();
        }
        Self {
            robots,
            groups: groups.into_iter().collect(),
        }
    }

    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let students = store.list_students().await?;
        Ok(Self::new(&students, store.robot_teams().await?))
    }

    /// The student(s) assigned to `robot`, names joined by " & "; `None` when nobody is.
    pub fn student(&self, robot: &RobotId) -> Option<String> {
        let driver = self.robots.get(robot.as_str())?;
        let names: Vec<&str> = driver.names.iter().map(|(_, n)| n.as_str()).collect();
        (!names.is_empty()).then(|| names.join(" & "))
    }

    /// The team of `robot`'s student on the roster, else the robot's group.
    pub fn team(&self, robot: &RobotId) -> Option<String> {
        self.robots
            .get(robot.as_str())
            .and_then(|d| d.team.clone())
            .or_else(|| self.groups.get(robot.as_str()).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::access::PasswordHash;
    use crate::domain::GroupName;
    use crate::roster::StudentId;

    fn student(id: &str, name: &str, team: Option<&str>, robot: Option<&str>) -> StudentRow {
        StudentRow {
            id: StudentId::parse(id).unwrap(),
            name: name.into(),
            team: team.map(|t| GroupName::parse(t).unwrap()),
            robot: robot.map(|r| RobotId::parse(r).unwrap()),
            token_hash: PasswordHash::new("t").unwrap(),
            mosquitto_hash: String::new(),
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn a_robot_shows_its_students_and_their_team_else_its_group_else_nothing() {
        let people = People::new(
            &[
                student("zoe", "Zoe", None, Some("r1")),
                student("ada", "Ada L", Some("red"), Some("r1")),
                student("bob", "Bob", None, None),
                student("cy", "Cy", None, Some("r2")),
            ],
            vec![("r2".into(), "blue".into()), ("r3".into(), "green".into())],
        );
        let r = |id: &str| RobotId::parse(id).unwrap();
        assert_eq!(people.student(&r("r1")).as_deref(), Some("Ada L & Zoe"));
        assert_eq!(people.team(&r("r1")).as_deref(), Some("red"));
        assert_eq!(people.student(&r("r2")).as_deref(), Some("Cy"));
        assert_eq!(people.team(&r("r2")).as_deref(), Some("blue"), "the group");
        assert_eq!(people.student(&r("r3")), None);
        assert_eq!(people.team(&r("r3")).as_deref(), Some("green"));
        assert_eq!(
            (people.student(&r("r4")), people.team(&r("r4"))),
            (None, None)
        );
    }
}
