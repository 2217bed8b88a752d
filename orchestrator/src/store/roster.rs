//! The class roster: one row per student with its team, the robot it drives and the two hashes
//! of its token (never the token). Rows are written in one transaction per import, so a class
//! file is taken whole or not at all.

use fleet_protocol::RobotId;
use sqlx::FromRow;

use super::{GroupName, Store, StoreError};
use crate::broker::access::PasswordHash;
use crate::roster::StudentId;

/// A student as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentRow {
    pub id: StudentId,
    pub name: String,
    pub team: Option<GroupName>,
    pub robot: Option<RobotId>,
    pub token_hash: PasswordHash,
    /// The token's Mosquitto `$7$` hash, for `broker-config`.
    pub mosquitto_hash: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One student to write: its fields, and a new token's hashes for a new student (or a new
/// token); `None` keeps the stored token of an existing one.
#[derive(Debug, Clone)]
pub struct StudentWrite {
    pub id: StudentId,
    pub name: String,
    pub team: Option<GroupName>,
    pub robot: Option<RobotId>,
    pub token: Option<(PasswordHash, String)>,
}

#[derive(FromRow)]
struct Row {
    id: String,
    name: String,
    team: Option<String>,
    robot_id: Option<String>,
    token_hash: String,
    mosquitto_hash: String,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl TryFrom<Row> for StudentRow {
    type Error = StoreError;
    fn try_from(row: Row) -> Result<Self, StoreError> {
        let bad = |problem: String| StoreError::BadRow {
            table: "students",
            row: row.id.clone(),
            problem,
        };
        Ok(StudentRow {
            id: StudentId::parse(&row.id).map_err(|e| bad(e.to_string()))?,
            team: row
                .team
                .as_deref()
                .map(GroupName::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            robot: row
                .robot_id
                .as_deref()
                .map(RobotId::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            token_hash: row
                .token_hash
                .parse()
                .map_err(|e: crate::broker::access::CredentialError| bad(e.to_string()))?,
            name: row.name,
            mosquitto_hash: row.mosquitto_hash,
            created_at_ms: row.created_at_ms,
            updated_at_ms: row.updated_at_ms,
        })
    }
}

impl Store {
    /// Every student, by id. Read on the writer: a change must be seen by the next request.
    pub async fn list_students(&self) -> Result<Vec<StudentRow>, StoreError> {
        sqlx::query_as::<_, Row>(
            "SELECT id, name, team, robot_id, token_hash, mosquitto_hash, created_at_ms, \
             updated_at_ms FROM students ORDER BY id",
        )
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing students"))?
        .into_iter()
        .map(StudentRow::try_from)
        .collect()
    }

    pub async fn get_student(&self, id: &StudentId) -> Result<Option<StudentRow>, StoreError> {
        sqlx::query_as::<_, Row>(
            "SELECT id, name, team, robot_id, token_hash, mosquitto_hash, created_at_ms, \
             updated_at_ms FROM students WHERE id = ?",
        )
        .bind(id.as_str())
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("loading a student"))?
        .map(StudentRow::try_from)
        .transpose()
    }

    /// Writes students in one transaction: a write with a token inserts the student or
    /// replaces its token; one without updates the fields of an existing student only.
    pub async fn save_students(
        &self,
        students: &[StudentWrite],
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate("beginning to save students").await?;
        for s in students {
            let team = s.team.as_ref().map(GroupName::as_str);
            let robot = s.robot.as_ref().map(RobotId::as_str);
            let query = match &s.token {
                Some((hash, mosquitto)) => sqlx::query(
                    "INSERT INTO students (id, name, team, robot_id, token_hash, mosquitto_hash, \
                     created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, team = excluded.team, \
                     robot_id = excluded.robot_id, token_hash = excluded.token_hash, \
                     mosquitto_hash = excluded.mosquitto_hash, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(s.id.as_str())
                .bind(&s.name)
                .bind(team)
                .bind(robot)
                .bind(hash.to_string())
                .bind(mosquitto)
                .bind(at_ms),
                None => sqlx::query(
                    "UPDATE students SET name = ?2, team = ?3, robot_id = ?4, \
                     updated_at_ms = max(?5, created_at_ms) WHERE id = ?1",
                )
                .bind(s.id.as_str())
                .bind(&s.name)
                .bind(team)
                .bind(robot)
                .bind(at_ms),
            };
            query
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("saving a student"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("committing saved students"))
    }

    /// Deletes a student (its token stops working); false when there was none.
    pub async fn delete_student(&self, id: &StudentId) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM students WHERE id = ?")
            .bind(id.as_str())
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("deleting a student"))?;
        Ok(deleted.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(id: &str, robot: Option<&str>, token: Option<&str>) -> StudentWrite {
        StudentWrite {
            id: StudentId::parse(id).unwrap(),
            name: format!("Student {id}"),
            team: Some(GroupName::parse("red").unwrap()),
            robot: robot.map(|r| RobotId::parse(r).unwrap()),
            token: token.map(|t| (PasswordHash::new(t).unwrap(), format!("$7$mosq-{t}"))),
        }
    }

    #[tokio::test]
    async fn a_saved_student_keeps_its_token_when_its_fields_change() {
        let store = Store::open_in_memory().await.unwrap();
        store
            .save_students(
                &[
                    write("ada", Some("r1"), Some("t1")),
                    write("bob", None, Some("t2")),
                ],
                10,
            )
            .await
            .unwrap();
        store
            .save_students(&[write("ada", Some("r2"), None)], 20)
            .await
            .unwrap();
        let ada = store
            .get_student(&StudentId::parse("ada").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ada.robot.as_ref().map(RobotId::as_str), Some("r2"));
        assert!(ada.token_hash.matches(b"t1"));
        assert_eq!(ada.mosquitto_hash, "$7$mosq-t1");
        assert_eq!((ada.created_at_ms, ada.updated_at_ms), (10, 20));
        let ids: Vec<String> = store
            .list_students()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id.to_string())
            .collect();
        assert_eq!(ids, ["ada", "bob"]);
        assert!(store.delete_student(&ada.id).await.unwrap());
        assert!(!store.delete_student(&ada.id).await.unwrap());
        assert_eq!(store.list_students().await.unwrap().len(), 1);
    }
}
