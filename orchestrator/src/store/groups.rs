//! Groups: named sets of robots (a team, a table, the class), so one command or one mission can
//! go to all of them. A robot may be in several groups.

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{Store, StoreError};
use crate::domain::{BadGroupName, GroupName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: GroupName,
    pub created_at_ms: i64,
    /// Sorted by id.
    pub members: Vec<RobotId>,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error(transparent)]
    BadName(#[from] BadGroupName),
    #[error("a group named {0} already exists")]
    Exists(GroupName),
    #[error("no group named {0}")]
    Unknown(GroupName),
    #[error("robot {robot} is not in group {group}")]
    NotMember { group: GroupName, robot: RobotId },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(FromRow)]
struct GroupRow {
    name: String,
    created_at_ms: i64,
}

impl Store {
    pub async fn create_group(&self, name: &GroupName, at_ms: i64) -> Result<Group, GroupError> {
        let inserted = sqlx::query(
            "INSERT INTO robot_groups (name, created_at_ms) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(name.as_str())
        .bind(at_ms)
        .execute(&self.writer)
        .await
        .map_err(StoreError::query("creating a group"))?;
        if inserted.rows_affected() == 0 {
            return Err(GroupError::Exists(name.clone()));
        }
        Ok(Group {
            name: name.clone(),
            created_at_ms: at_ms,
            members: Vec::new(),
        })
    }

    /// Deletes a group (not its robots, not its missions' history).
    pub async fn delete_group(&self, name: &GroupName) -> Result<(), GroupError> {
        let deleted = sqlx::query("DELETE FROM robot_groups WHERE name = ?")
            .bind(name.as_str())
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("deleting a group"))?;
        if deleted.rows_affected() == 0 {
            return Err(GroupError::Unknown(name.clone()));
        }
        Ok(())
    }

    pub async fn get_group(&self, name: &GroupName) -> Result<Group, GroupError> {
        let row = sqlx::query_as::<_, GroupRow>(
            "SELECT name, created_at_ms FROM robot_groups WHERE name = ?",
        )
        .bind(name.as_str())
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("loading a group"))?
        .ok_or_else(|| GroupError::Unknown(name.clone()))?;
        let members = self.members(name).await?;
        Ok(Group {
            name: GroupName::parse(&row.name)?,
            created_at_ms: row.created_at_ms,
            members,
        })
    }

    /// Every group with its members, by name.
    pub async fn list_groups(&self) -> Result<Vec<Group>, GroupError> {
        let rows = sqlx::query_as::<_, GroupRow>(
            "SELECT name, created_at_ms FROM robot_groups ORDER BY name",
        )
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing groups"))?;
        let mut groups = Vec::with_capacity(rows.len());
        for row in rows {
            let name = GroupName::parse(&row.name)?;
            let members = self.members(&name).await?;
            groups.push(Group {
                name,
                created_at_ms: row.created_at_ms,
                members,
            });
        }
        Ok(groups)
    }

    /// Adds robots to a group (adding a member twice is not an error) and returns the group.
    pub async fn add_group_members(
        &self,
        name: &GroupName,
        robots: &[RobotId],
        at_ms: i64,
    ) -> Result<Group, GroupError> {
        let mut tx = self
            .begin_immediate("beginning to add group members")
            .await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM robot_groups WHERE name = ?")
            .bind(name.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query("checking a group exists"))?;
        if exists.is_none() {
            return Err(GroupError::Unknown(name.clone()));
        }
        for robot in robots {
            sqlx::query(
                "INSERT INTO robot_group_members (group_name, robot_id, added_at_ms) \
                 VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(name.as_str())
            .bind(robot.as_str())
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("adding a group member"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("committing new group members"))?;
        self.get_group(name).await
    }

    /// Removes robots from a group; refuses (changing nothing) if one of them is not a member.
    pub async fn remove_group_members(
        &self,
        name: &GroupName,
        robots: &[RobotId],
    ) -> Result<Group, GroupError> {
        let group = self.get_group(name).await?;
        if let Some(stranger) = robots.iter().find(|r| !group.members.contains(r)) {
            return Err(GroupError::NotMember {
                group: name.clone(),
                robot: stranger.clone(),
            });
        }
        let mut tx = self
            .begin_immediate("beginning to remove group members")
            .await?;
        for robot in robots {
            sqlx::query("DELETE FROM robot_group_members WHERE group_name = ? AND robot_id = ?")
                .bind(name.as_str())
                .bind(robot.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("removing a group member"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("committing removed group members"))?;
        self.get_group(name).await
    }

    async fn members(&self, name: &GroupName) -> Result<Vec<RobotId>, GroupError> {
        // Read on the writer: a member just added must be seen by the next request at once.
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT robot_id FROM robot_group_members WHERE group_name = ? ORDER BY robot_id",
        )
        .bind(name.as_str())
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing group members"))?;
        ids.iter()
            .map(|id| {
                RobotId::parse(id).map_err(|e| {
                    GroupError::Store(StoreError::BadRow {
                        table: "robot_group_members",
                        row: id.clone(),
                        problem: e.to_string(),
                    })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> GroupName {
        GroupName::parse(s).unwrap()
    }

    fn ids(list: &[&str]) -> Vec<RobotId> {
        list.iter().map(|s| RobotId::parse(s).unwrap()).collect()
    }

    #[tokio::test]
    async fn a_group_keeps_its_members_sorted_and_ignores_a_second_add_of_the_same_robot() {
        let store = Store::open_in_memory().await.unwrap();
        store.create_group(&name("red"), 1).await.unwrap();
        store
            .add_group_members(&name("red"), &ids(&["t2", "t1"]), 2)
            .await
            .unwrap();
        let red = store
            .add_group_members(&name("red"), &ids(&["t1", "t3"]), 3)
            .await
            .unwrap();
        assert_eq!(red.members, ids(&["t1", "t2", "t3"]));
        let red = store
            .remove_group_members(&name("red"), &ids(&["t2"]))
            .await
            .unwrap();
        assert_eq!(red.members, ids(&["t1", "t3"]));
        assert_eq!(store.list_groups().await.unwrap(), vec![red]);
    }

    #[tokio::test]
    async fn unknown_groups_duplicates_and_strangers_are_refused_by_name() {
        let store = Store::open_in_memory().await.unwrap();
        let blue = name("blue");
        assert!(matches!(
            store.add_group_members(&blue, &ids(&["t1"]), 1).await,
            Err(GroupError::Unknown(_))
        ));
        store.create_group(&blue, 1).await.unwrap();
        let dup = store.create_group(&blue, 2).await.unwrap_err();
        assert_eq!(dup.to_string(), "a group named blue already exists");
        let stranger = store
            .remove_group_members(&blue, &ids(&["t9"]))
            .await
            .unwrap_err();
        assert_eq!(stranger.to_string(), "robot t9 is not in group blue");
        store.delete_group(&blue).await.unwrap();
        assert!(matches!(
            store.get_group(&blue).await,
            Err(GroupError::Unknown(_))
        ));
        assert!(matches!(
            store.delete_group(&blue).await,
            Err(GroupError::Unknown(_))
        ));
    }

    #[test]
    fn names_that_could_break_a_path_or_a_shell_are_refused() {
        for bad in ["", "a b", "red/blue", "#", "é", &"x".repeat(65)] {
            assert!(
                matches!(
                    GroupName::parse(bad).map_err(GroupError::from),
                    Err(GroupError::BadName(_))
                ),
                "{bad:?}"
            );
        }
        assert!(GroupName::parse("table-3.a:b_c").is_ok());
    }
}
