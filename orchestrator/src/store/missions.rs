//! Missions and their transitions: one row per mission (its spec and current state) and one
//! row per state change, with its time and reason, so a run can be reviewed or graded later.

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{Store, StoreError};
use crate::domain::{MissionId, MissionState};

/// A mission as stored, with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionRecord {
    pub id: MissionId,
    pub robot: RobotId,
    pub kind: String,
    /// The spec as assigned (kind and parameters).
    pub spec: serde_json::Value,
    pub group: Option<String>,
    pub state: MissionState,
    pub reason: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    /// Oldest first; empty in lists (read one mission to get them).
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: Option<MissionState>,
    pub to: MissionState,
    pub at_ms: i64,
    pub reason: Option<String>,
}

/// What a new mission row holds.
#[derive(Debug, Clone)]
pub struct NewMission<'a> {
    pub robot: &'a RobotId,
    pub kind: &'a str,
    pub spec_json: &'a str,
    pub group: Option<&'a str>,
    pub at_ms: i64,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    robot_id: String,
    kind: String,
    spec: String,
    group_name: Option<String>,
    state: String,
    reason: Option<String>,
    created_at_ms: i64,
    updated_at_ms: i64,
    ended_at_ms: Option<i64>,
}

#[derive(FromRow)]
struct TransitionRow {
    from_state: Option<String>,
    to_state: String,
    at_ms: i64,
    reason: Option<String>,
}

/// The columns `Row` reads, in a macro so queries stay literal strings (sqlx refuses others).
macro_rules! columns {
    () => {
        "id, robot_id, kind, spec, group_name, state, reason, created_at_ms, updated_at_ms, \
         ended_at_ms"
    };
}

fn bad(row: i64, problem: String) -> StoreError {
    StoreError::BadRow {
        table: "missions",
        row: row.to_string(),
        problem,
    }
}

fn state(row: i64, text: &str) -> Result<MissionState, StoreError> {
    MissionState::parse(text).ok_or_else(|| bad(row, format!("unknown state {text:?}")))
}

impl TryFrom<Row> for MissionRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(MissionRecord {
            id: MissionId(r.id),
            robot: RobotId::parse(&r.robot_id).map_err(|e| bad(r.id, e.to_string()))?,
            kind: r.kind,
            spec: serde_json::from_str(&r.spec).map_err(|e| bad(r.id, e.to_string()))?,
            group: r.group_name,
            state: state(r.id, &r.state)?,
            reason: r.reason,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
            ended_at_ms: r.ended_at_ms,
            transitions: Vec::new(),
        })
    }
}

impl Store {
    /// Inserts a mission in state `assigned`, with its first transition.
    pub async fn insert_mission(&self, new: NewMission<'_>) -> Result<MissionId, StoreError> {
        let mut tx = self
            .begin_immediate("beginning to insert a mission")
            .await?;
        let assigned = MissionState::Assigned.as_str();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO missions (robot_id, kind, spec, group_name, state, created_at_ms, \
             updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
        )
        .bind(new.robot.as_str())
        .bind(new.kind)
        .bind(new.spec_json)
        .bind(new.group)
        .bind(assigned)
        .bind(new.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("inserting a mission"))?;
        sqlx::query(
            "INSERT INTO mission_transitions (mission_id, from_state, to_state, at_ms) \
             VALUES (?, NULL, ?, ?)",
        )
        .bind(id)
        .bind(assigned)
        .bind(new.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("inserting a mission's first transition"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing a new mission"))?;
        Ok(MissionId(id))
    }

    /// Moves a mission from `from` to `to`. Returns false (changing nothing) when the mission
    /// was not in `from` any more, so two writers can never both end a mission.
    pub async fn transition_mission(
        &self,
        id: MissionId,
        from: MissionState,
        to: MissionState,
        reason: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self
            .begin_immediate("beginning a mission transition")
            .await?;
        let ended = to.is_terminal().then_some(at_ms);
        let updated = sqlx::query(
            "UPDATE missions SET state = ?1, reason = ?2, updated_at_ms = MAX(?3, created_at_ms), \
             ended_at_ms = MAX(?4, created_at_ms) WHERE id = ?5 AND state = ?6",
        )
        .bind(to.as_str())
        .bind(reason)
        .bind(at_ms)
        .bind(ended)
        .bind(id.0)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("updating a mission's state"))?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO mission_transitions (mission_id, from_state, to_state, at_ms, reason) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(at_ms)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("recording a mission transition"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing a mission transition"))?;
        Ok(true)
    }

    /// One mission with its transitions.
    pub async fn get_mission(&self, id: MissionId) -> Result<Option<MissionRecord>, StoreError> {
        // On the writer: a transition just committed must be seen by the next read at once.
        let row = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            columns!(),
            " FROM missions WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.writer)
        .await
        .map_err(StoreError::query("loading a mission"))?;
        let Some(row) = row else { return Ok(None) };
        let mut record = MissionRecord::try_from(row)?;
        let rows = sqlx::query_as::<_, TransitionRow>(
            "SELECT from_state, to_state, at_ms, reason FROM mission_transitions \
             WHERE mission_id = ? ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("loading a mission's transitions"))?;
        for t in rows {
            record.transitions.push(Transition {
                from: t
                    .from_state
                    .as_deref()
                    .map(|s| state(id.0, s))
                    .transpose()?,
                to: state(id.0, &t.to_state)?,
                at_ms: t.at_ms,
                reason: t.reason,
            });
        }
        Ok(Some(record))
    }

    /// Missions, newest first, optionally of one robot and/or only those not ended yet.
    pub async fn list_missions(
        &self,
        robot: Option<&RobotId>,
        active_only: bool,
        limit: u32,
    ) -> Result<Vec<MissionRecord>, StoreError> {
        let rows = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            columns!(),
            " FROM missions WHERE (?1 IS NULL OR robot_id = ?1) \
             AND (?2 = 0 OR ended_at_ms IS NULL) ORDER BY id DESC LIMIT ?3"
        ))
        .bind(robot.map(RobotId::as_str))
        .bind(active_only)
        .bind(limit)
        .fetch_all(&self.writer)
        .await
        .map_err(StoreError::query("listing missions"))?;
        rows.into_iter().map(MissionRecord::try_from).collect()
    }

    /// Fails every mission left unfinished by a previous run (crash or restart): nobody is
    /// watching them any more. Returns how many.
    pub async fn fail_interrupted_missions(&self, at_ms: i64) -> Result<u64, StoreError> {
        let open = self.list_missions(None, true, u32::MAX).await?;
        let mut failed = 0;
        for m in open {
            let reason = Some("the orchestrator stopped during the mission");
            if self
                .transition_mission(m.id, m.state, MissionState::Failed, reason, at_ms)
                .await?
            {
                failed += 1;
            }
        }
        Ok(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MissionState::*;

    async fn mission(store: &Store, robot: &RobotId) -> MissionId {
        store
            .insert_mission(NewMission {
                robot,
                kind: "line_follow",
                spec_json: r#"{"kind":"line_follow","speed":0.5,"laps":1}"#,
                group: Some("red"),
                at_ms: 100,
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_mission_keeps_every_transition_with_its_time_and_reason() {
        let store = Store::open_in_memory().await.unwrap();
        let robot = RobotId::parse("t1").unwrap();
        let id = mission(&store, &robot).await;
        assert!(
            store
                .transition_mission(id, Assigned, Running, None, 150)
                .await
                .unwrap()
        );
        assert!(
            store
                .transition_mission(id, Running, Failed, Some("line lost"), 900)
                .await
                .unwrap()
        );
        let m = store.get_mission(id).await.unwrap().unwrap();
        assert_eq!((m.state, m.reason.as_deref()), (Failed, Some("line lost")));
        assert_eq!((m.updated_at_ms, m.ended_at_ms), (900, Some(900)));
        assert_eq!(m.group.as_deref(), Some("red"));
        assert_eq!(m.spec["laps"], 1);
        let path: Vec<_> = m
            .transitions
            .iter()
            .map(|t| (t.from, t.to, t.at_ms))
            .collect();
        assert_eq!(
            path,
            [
                (None, Assigned, 100),
                (Some(Assigned), Running, 150),
                (Some(Running), Failed, 900)
            ]
        );
    }

    #[tokio::test]
    async fn a_mission_that_already_ended_cannot_end_a_second_time() {
        let store = Store::open_in_memory().await.unwrap();
        let robot = RobotId::parse("t1").unwrap();
        let id = mission(&store, &robot).await;
        assert!(
            store
                .transition_mission(id, Assigned, Aborted, Some("teacher"), 120)
                .await
                .unwrap()
        );
        let second = store
            .transition_mission(id, Assigned, TimedOut, None, 130)
            .await
            .unwrap();
        assert!(!second);
        let m = store.get_mission(id).await.unwrap().unwrap();
        assert_eq!(m.state, Aborted);
        assert_eq!(m.transitions.len(), 2);
    }

    #[tokio::test]
    async fn missions_left_open_by_a_crash_are_failed_at_the_next_start() {
        let store = Store::open_in_memory().await.unwrap();
        let robot = RobotId::parse("t1").unwrap();
        let open = mission(&store, &robot).await;
        let done = mission(&store, &robot).await;
        store
            .transition_mission(done, Assigned, Succeeded, None, 200)
            .await
            .unwrap();
        assert_eq!(
            store
                .list_missions(Some(&robot), true, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.fail_interrupted_missions(300).await.unwrap(), 1);
        let m = store.get_mission(open).await.unwrap().unwrap();
        assert_eq!(m.state, Failed);
        assert!(
            store
                .list_missions(None, true, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let all = store.list_missions(None, false, 10).await.unwrap();
        assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), [done, open]);
    }
}
