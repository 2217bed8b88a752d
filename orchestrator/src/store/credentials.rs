//! Enrolled robots: one row per robot allowed on the broker, with the two hashes of its
//! password (never the password). Loaded into the broker's credential registry at startup.

use fleet_protocol::RobotId;
use sqlx::FromRow;

use super::{Store, StoreError};
use crate::broker::access::PasswordHash;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotCredentialRow {
    pub robot: RobotId,
    pub password_hash: PasswordHash,
    /// The password's Mosquitto `$7$` hash, for `broker-config`.
    pub mosquitto_hash: String,
    pub enrolled_at_ms: i64,
}

#[derive(FromRow)]
struct Row {
    robot_id: String,
    password_hash: String,
    mosquitto_hash: String,
    enrolled_at_ms: i64,
}

impl TryFrom<Row> for RobotCredentialRow {
    type Error = StoreError;
    fn try_from(row: Row) -> Result<Self, StoreError> {
        let bad = |problem: String| StoreError::BadRow {
            table: "robot_credentials",
            row: row.robot_id.clone(),
            problem,
        };
        Ok(RobotCredentialRow {
            robot: RobotId::parse(&row.robot_id).map_err(|e| bad(e.to_string()))?,
            password_hash: row
                .password_hash
                .parse()
                .map_err(|e: crate::broker::access::CredentialError| bad(e.to_string()))?,
            mosquitto_hash: row.mosquitto_hash,
            enrolled_at_ms: row.enrolled_at_ms,
        })
    }
}

impl Store {
    /// Enrolls `robot`, replacing an earlier credential of the same robot.
    pub async fn enroll_robot(
        &self,
        robot: &RobotId,
        hash: &PasswordHash,
        mosquitto_hash: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO robot_credentials (robot_id, password_hash, mosquitto_hash, enrolled_at_ms) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (robot_id) DO UPDATE SET \
             password_hash = excluded.password_hash, mosquitto_hash = excluded.mosquitto_hash, \
             enrolled_at_ms = excluded.enrolled_at_ms",
        )
        .bind(robot.as_str())
        .bind(hash.to_string())
        .bind(mosquitto_hash)
        .bind(at_ms)
        .execute(&self.writer)
        .await
        .map_err(StoreError::query("enrolling a robot"))?;
        Ok(())
    }

    /// Removes `robot`'s credential; false when it had none.
    pub async fn revoke_robot(&self, robot: &RobotId) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM robot_credentials WHERE robot_id = ?")
            .bind(robot.as_str())
            .execute(&self.writer)
            .await
            .map_err(StoreError::query("revoking a robot"))?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Every enrolled robot, by id.
    pub async fn list_robot_credentials(&self) -> Result<Vec<RobotCredentialRow>, StoreError> {
        sqlx::query_as::<_, Row>(
            "SELECT robot_id, password_hash, mosquitto_hash, enrolled_at_ms \
             FROM robot_credentials ORDER BY robot_id",
        )
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing enrolled robots"))?
        .into_iter()
        .map(RobotCredentialRow::try_from)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_enrollment_replaces_the_first_and_a_revoke_removes_it() {
        let store = Store::open_in_memory().await.unwrap();
        let r1 = RobotId::parse("r1").unwrap();
        let first = PasswordHash::new("one").unwrap();
        store.enroll_robot(&r1, &first, "$7$a", 1).await.unwrap();
        let second = PasswordHash::new("two").unwrap();
        store.enroll_robot(&r1, &second, "$7$b", 2).await.unwrap();
        let rows = store.list_robot_credentials().await.unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].password_hash.matches(b"two") && !rows[0].password_hash.matches(b"one"));
        assert_eq!(
            (rows[0].mosquitto_hash.as_str(), rows[0].enrolled_at_ms),
            ("$7$b", 2)
        );
        assert!(store.revoke_robot(&r1).await.unwrap());
        assert!(!store.revoke_robot(&r1).await.unwrap());
        assert!(store.list_robot_credentials().await.unwrap().is_empty());
    }
}
