//! The last known state of every robot ever seen, so a restarted robot actor (or a restarted
//! orchestrator) picks up where the previous one left off.

use fleet_protocol::RobotId;
use sqlx::FromRow;

use super::{Store, StoreError};
use crate::domain::{Liveness, RobotView};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotRow {
    pub id: RobotId,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// The last `robots/{id}/status` payload, as JSON text.
    pub last_status: Option<String>,
    /// The state the orchestrator derived (its robot actor's vocabulary: online, stale, ...).
    pub last_state: String,
}

#[derive(FromRow)]
struct Row {
    id: String,
    first_seen_ms: i64,
    last_seen_ms: i64,
    last_status: Option<String>,
    last_state: String,
}

impl TryFrom<Row> for RobotRow {
    type Error = StoreError;
    fn try_from(row: Row) -> Result<Self, StoreError> {
        let id = RobotId::parse(&row.id).map_err(|e| StoreError::BadRow {
            table: "robots",
            row: row.id.clone(),
            problem: e.to_string(),
        })?;
        Ok(RobotRow {
            id,
            first_seen_ms: row.first_seen_ms,
            last_seen_ms: row.last_seen_ms,
            last_status: row.last_status,
            last_state: row.last_state,
        })
    }
}

/// A robot's saved state (store) as the view its actor restarts from, for
/// `FleetActor::with_known_robots`. An unreadable state or status is left out rather
/// than trusted: the robot's next message sets it again.
impl From<&RobotRow> for RobotView {
    fn from(row: &RobotRow) -> Self {
        let mut view = RobotView::unknown(row.id.clone());
        view.state = Liveness::parse(&row.last_state).unwrap_or(Liveness::Offline);
        view.status = row
            .last_status
            .as_deref()
            .and_then(|json| fleet_protocol::decode(json.as_bytes()).ok());
        view.last_seen_ms = Some(row.last_seen_ms);
        view
    }
}

impl Store {
    /// Records that `id` was seen at `seen_at_ms` in `state`. `status_json` replaces the stored
    /// status when given and keeps it when `None`; the first-seen time never changes and the
    /// last-seen time never goes backwards (messages can arrive out of order).
    pub async fn upsert_robot(
        &self,
        id: &RobotId,
        seen_at_ms: i64,
        status_json: Option<&str>,
        state: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO robots (id, first_seen_ms, last_seen_ms, last_status, last_state) \
             VALUES (?1, ?2, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET \
                 first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms), \
                 last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms), \
                 last_status = COALESCE(excluded.last_status, last_status), \
                 last_state = excluded.last_state",
        )
        .bind(id.as_str())
        .bind(seen_at_ms)
        .bind(status_json)
        .bind(state)
        .execute(&self.writer)
        .await
        .map_err(StoreError::query("saving a robot's last state"))?;
        Ok(())
    }

    pub async fn load_robot(&self, id: &RobotId) -> Result<Option<RobotRow>, StoreError> {
        let row = sqlx::query_as::<_, Row>(
            "SELECT id, first_seen_ms, last_seen_ms, last_status, last_state FROM robots \
             WHERE id = ?",
        )
        .bind(id.as_str())
        .fetch_optional(&self.reader)
        .await
        .map_err(StoreError::query("loading a robot's last state"))?;
        row.map(RobotRow::try_from).transpose()
    }

    /// Every robot ever seen, by id: what the fleet reloads at startup.
    pub async fn list_robots(&self) -> Result<Vec<RobotRow>, StoreError> {
        let rows = sqlx::query_as::<_, Row>(
            "SELECT id, first_seen_ms, last_seen_ms, last_status, last_state FROM robots \
             ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("listing robots"))?;
        rows.into_iter().map(RobotRow::try_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_protocol::{Backend, Status, encode};

    fn tank(id: &str) -> RobotId {
        RobotId::parse(id).unwrap()
    }

    #[tokio::test]
    async fn a_robot_reloads_its_last_status_and_state() {
        let store = Store::open_in_memory().await.unwrap();
        let id = tank("0xdca632bf91cc");
        assert_eq!(store.load_robot(&id).await.unwrap(), None);

        store
            .upsert_robot(&id, 1_000, Some(r#"{"state":"online"}"#), "online")
            .await
            .unwrap();
        store.upsert_robot(&id, 3_000, None, "stale").await.unwrap();
        // A late message from before the last one must not move last-seen backwards.
        store.upsert_robot(&id, 2_000, None, "stale").await.unwrap();

        let row = store.load_robot(&id).await.unwrap().unwrap();
        assert_eq!(
            row,
            RobotRow {
                id: id.clone(),
                first_seen_ms: 1_000,
                last_seen_ms: 3_000,
                last_status: Some(r#"{"state":"online"}"#.into()),
                last_state: "stale".into(),
            }
        );
    }

    #[tokio::test]
    async fn a_status_that_is_not_json_is_refused() {
        let store = Store::open_in_memory().await.unwrap();
        let err = store
            .upsert_robot(&tank("tank-1"), 1, Some("{not json"), "online")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("saving a robot's last state"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn every_robot_seen_is_listed_by_id() {
        let store = Store::open_in_memory().await.unwrap();
        for id in ["tank-2", "tank-1", "tank-3"] {
            store
                .upsert_robot(&tank(id), 1, None, "online")
                .await
                .unwrap();
        }
        let ids: Vec<String> = store
            .list_robots()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(ids, ["tank-1", "tank-2", "tank-3"]);
    }

    #[test]
    fn a_saved_robot_row_becomes_the_view_its_actor_starts_from() {
        let id = RobotId::parse("t1").unwrap();
        let status = Status::online(id.clone(), "0.1.0", Backend::Sim, vec![], 3);
        let row = RobotRow {
            id: id.clone(),
            first_seen_ms: 1,
            last_seen_ms: 9,
            last_status: Some(String::from_utf8(encode(&status)).unwrap()),
            last_state: "stale".into(),
        };
        let view = RobotView::from(&row);
        assert_eq!(view.state, Liveness::Stale);
        assert_eq!(view.status, Some(status));
        assert_eq!(view.last_seen_ms, Some(9));

        let garbled = RobotRow {
            last_status: Some("{".into()),
            last_state: "exploded".into(),
            ..row
        };
        let view = RobotView::from(&garbled);
        assert_eq!((view.state, view.status), (Liveness::Offline, None));
    }
}
