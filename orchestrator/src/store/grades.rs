//! Stored grades and the teacher's overrides. Grading a run again with the same rubric text
//! replaces its computed values in place, keeping its id and so its overrides; another rubric
//! (another hash) adds rows beside the earlier grades. An override keeps the computed value
//! beside it: the grade row is never edited by an override.

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{MissionId, SessionId, Store, StoreError};

/// A computed grade to store; the criteria and reliability already serialised by the grader.
#[derive(Debug, Clone)]
pub struct NewGrade<'a> {
    pub session: SessionId,
    pub robot: &'a RobotId,
    pub mission: Option<MissionId>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub rubric_name: &'a str,
    pub rubric_version: u32,
    pub rubric_hash: &'a str,
    pub criteria_json: &'a str,
    pub total: f64,
    pub scale: f64,
    pub passed: bool,
    pub unreliable: bool,
    pub gaps_json: &'a str,
    pub at_ms: i64,
}

/// A teacher's correction of one criterion's points or of the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeOverride {
    /// A criterion's name or `total`.
    pub target: String,
    pub value: f64,
    pub reason: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGrade {
    pub id: i64,
    pub session: SessionId,
    pub robot: RobotId,
    pub mission: Option<MissionId>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub rubric_name: String,
    pub rubric_version: u32,
    pub rubric_hash: String,
    /// The computed criteria, as the grader wrote them.
    pub criteria: serde_json::Value,
    /// The computed total (an override of the total is in `overrides`).
    pub total: f64,
    pub scale: f64,
    pub passed: bool,
    pub unreliable: bool,
    pub gaps: serde_json::Value,
    pub graded_at_ms: i64,
    pub overrides: Vec<GradeOverride>,
}

impl StoredGrade {
    /// The override of `target` (a criterion's name or `total`), if the teacher set one.
    pub fn override_of(&self, target: &str) -> Option<&GradeOverride> {
        self.overrides.iter().find(|o| o.target == target)
    }

    /// A criterion's computed points, from the stored criteria.
    pub fn computed_points(&self, criterion: &str) -> Option<f64> {
        self.criteria.as_array()?.iter().find_map(|c| {
            (c.get("criterion")?.as_str()? == criterion).then(|| c.get("points")?.as_f64())?
        })
    }

    /// A criterion's points that count: the teacher's override, else the computed ones.
    pub fn effective_points(&self, criterion: &str) -> Option<f64> {
        self.override_of(criterion)
            .map(|o| o.value)
            .or_else(|| self.computed_points(criterion))
    }

    /// The total that counts: the teacher's override of the total, else the computed total
    /// with each overridden criterion's points in place of the computed ones.
    pub fn effective_total(&self) -> f64 {
        if let Some(o) = self.override_of("total") {
            return o.value;
        }
        let shift: f64 = self
            .overrides
            .iter()
            .filter_map(|o| Some(o.value - self.computed_points(&o.target)?))
            .sum();
        ((self.total + shift) * 100.0).round() / 100.0
    }
}

#[derive(FromRow)]
struct Row {
    id: i64,
    session_id: i64,
    robot_id: String,
    mission_id: Option<i64>,
    from_ms: i64,
    to_ms: i64,
    rubric_name: String,
    rubric_version: i64,
    rubric_hash: String,
    criteria: String,
    total: f64,
    scale: f64,
    passed: bool,
    unreliable: bool,
    gaps: String,
    graded_at_ms: i64,
}

#[derive(FromRow)]
struct OverrideRow {
    grade_id: i64,
    target: String,
    value: f64,
    reason: String,
    at_ms: i64,
}

macro_rules! columns {
    () => {
        "id, session_id, robot_id, mission_id, from_ms, to_ms, rubric_name, rubric_version, \
         rubric_hash, criteria, total, scale, passed, unreliable, gaps, graded_at_ms"
    };
}

fn bad(row: i64, problem: String) -> StoreError {
    StoreError::BadRow {
        table: "grades",
        row: row.to_string(),
        problem,
    }
}

impl TryFrom<Row> for StoredGrade {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(StoredGrade {
            id: r.id,
            session: SessionId(r.session_id),
            robot: RobotId::parse(&r.robot_id).map_err(|e| bad(r.id, e.to_string()))?,
            mission: r.mission_id.map(MissionId),
            from_ms: r.from_ms,
            to_ms: r.to_ms,
            rubric_name: r.rubric_name,
            rubric_version: u32::try_from(r.rubric_version)
                .map_err(|e| bad(r.id, format!("rubric version: {e}")))?,
            rubric_hash: r.rubric_hash,
            criteria: serde_json::from_str(&r.criteria).map_err(|e| bad(r.id, e.to_string()))?,
            total: r.total,
            scale: r.scale,
            passed: r.passed,
            unreliable: r.unreliable,
            gaps: serde_json::from_str(&r.gaps).map_err(|e| bad(r.id, e.to_string()))?,
            graded_at_ms: r.graded_at_ms,
            overrides: Vec::new(),
        })
    }
}

impl Store {
    /// Stores a computed grade, replacing the computed values of the same run graded with the
    /// same rubric text (its id and overrides stay). Returns the grade's id.
    pub async fn upsert_grade(&self, new: &NewGrade<'_>) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO grades (session_id, robot_id, mission_id, from_ms, to_ms, rubric_name, \
             rubric_version, rubric_hash, criteria, total, scale, passed, unreliable, gaps, \
             graded_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
             ?15) ON CONFLICT (session_id, robot_id, from_ms, to_ms, rubric_hash) DO UPDATE SET \
             mission_id = excluded.mission_id, rubric_name = excluded.rubric_name, \
             rubric_version = excluded.rubric_version, criteria = excluded.criteria, \
             total = excluded.total, scale = excluded.scale, passed = excluded.passed, \
             unreliable = excluded.unreliable, gaps = excluded.gaps, \
             graded_at_ms = excluded.graded_at_ms RETURNING id",
        )
        .bind(new.session)
        .bind(new.robot.as_str())
        .bind(new.mission.map(|m| m.0))
        .bind(new.from_ms)
        .bind(new.to_ms)
        .bind(new.rubric_name)
        .bind(i64::from(new.rubric_version))
        .bind(new.rubric_hash)
        .bind(new.criteria_json)
        .bind(new.total)
        .bind(new.scale)
        .bind(new.passed)
        .bind(new.unreliable)
        .bind(new.gaps_json)
        .bind(new.at_ms)
        .fetch_one(&self.writer)
        .await
        .map_err(StoreError::query("storing a grade"))
    }

    /// Sets (or replaces) the override of `target` on grade `id`; false if there is no such
    /// grade.
    pub async fn set_grade_override(
        &self,
        id: i64,
        over: &GradeOverride,
    ) -> Result<bool, StoreError> {
        let mut tx = self
            .begin_immediate("beginning to override a grade")
            .await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM grades WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query("finding the grade to override"))?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO grade_overrides (grade_id, target, value, reason, at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (grade_id, target) DO UPDATE SET \
             value = excluded.value, reason = excluded.reason, at_ms = excluded.at_ms",
        )
        .bind(id)
        .bind(&over.target)
        .bind(over.value)
        .bind(&over.reason)
        .bind(over.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("storing a grade override"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing a grade override"))?;
        Ok(true)
    }

    /// A session's grades with their overrides, in id order; only those graded with the rubric
    /// of `rubric_hash` when given.
    pub async fn session_grades(
        &self,
        session: SessionId,
        rubric_hash: Option<&str>,
    ) -> Result<Vec<StoredGrade>, StoreError> {
        let rows = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            columns!(),
            " FROM grades WHERE session_id = ?1 AND (?2 IS NULL OR rubric_hash = ?2) ORDER BY id"
        ))
        .bind(session)
        .bind(rubric_hash)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's grades"))?;
        let mut grades = rows
            .into_iter()
            .map(StoredGrade::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let overrides = sqlx::query_as::<_, OverrideRow>(
            "SELECT o.grade_id, o.target, o.value, o.reason, o.at_ms FROM grade_overrides o \
             JOIN grades g ON g.id = o.grade_id WHERE g.session_id = ? ORDER BY o.target",
        )
        .bind(session)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's grade overrides"))?;
        for o in overrides {
            if let Some(g) = grades.iter_mut().find(|g| g.id == o.grade_id) {
                g.overrides.push(GradeOverride {
                    target: o.target,
                    value: o.value,
                    reason: o.reason,
                    at_ms: o.at_ms,
                });
            }
        }
        Ok(grades)
    }

    /// One grade with its overrides.
    pub async fn get_grade(&self, id: i64) -> Result<Option<StoredGrade>, StoreError> {
        let session: Option<i64> = sqlx::query_scalar("SELECT session_id FROM grades WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(StoreError::query("finding a grade"))?;
        let Some(session) = session else {
            return Ok(None);
        };
        let grades = self.session_grades(SessionId(session), None).await?;
        Ok(grades.into_iter().find(|g| g.id == id))
    }

    /// The group (team) each robot belongs to, first by name when it is in several.
    pub async fn robot_teams(&self) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT robot_id, MIN(group_name) FROM robot_group_members GROUP BY robot_id \
             ORDER BY robot_id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading the robots' groups"))
    }
}

/// A run taken from a mission: its robot, from the mission's start (running, else assigned)
/// to its end (else the session's stop).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MissionRun {
    pub mission_id: i64,
    pub robot_id: String,
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Store {
    /// The session's finished line-follow missions (assigned while it recorded), in id order.
    /// A mission still running in a running session has no end yet and is left out.
    pub async fn session_mission_runs(
        &self,
        session: SessionId,
    ) -> Result<Vec<MissionRun>, StoreError> {
        sqlx::query_as::<_, MissionRun>(
            "SELECT m.id AS mission_id, m.robot_id, \
             COALESCE((SELECT MIN(t.at_ms) FROM mission_transitions t \
                       WHERE t.mission_id = m.id AND t.to_state = 'running'), m.created_at_ms) \
               AS from_ms, \
             COALESCE(m.ended_at_ms, s.stopped_at_ms) AS to_ms \
             FROM missions m JOIN sessions s ON s.id = ?1 \
             WHERE m.kind = 'line_follow' AND m.created_at_ms >= s.started_at_ms \
             AND (s.stopped_at_ms IS NULL OR m.created_at_ms <= s.stopped_at_ms) \
             AND COALESCE(m.ended_at_ms, s.stopped_at_ms) IS NOT NULL ORDER BY m.id",
        )
        .bind(session)
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::query("reading a session's missions"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_grade<'a>(
        session: SessionId,
        robot: &'a RobotId,
        hash: &'a str,
        total: f64,
    ) -> NewGrade<'a> {
        NewGrade {
            session,
            robot,
            mission: Some(MissionId(7)),
            from_ms: 100,
            to_ms: 900,
            rubric_name: "line-follow",
            rubric_version: 1,
            rubric_hash: hash,
            criteria_json: r#"[{"criterion":"estops","points":2.0}]"#,
            total,
            scale: 20.0,
            passed: total >= 10.0,
            unreliable: false,
            gaps_json: "{}",
            at_ms: 1_000,
        }
    }

    #[tokio::test]
    async fn regrading_with_the_same_rubric_keeps_the_id_and_overrides_and_another_adds_a_row() {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("class", 0).await.unwrap().id;
        let robot = RobotId::parse("r1").unwrap();
        let id = store
            .upsert_grade(&new_grade(session, &robot, "aaa", 12.0))
            .await
            .unwrap();
        let over = GradeOverride {
            target: "estops".into(),
            value: 4.0,
            reason: "the estop was the teacher's".into(),
            at_ms: 2_000,
        };
        assert!(store.set_grade_override(id, &over).await.unwrap());
        assert!(!store.set_grade_override(id + 99, &over).await.unwrap());

        let again = store
            .upsert_grade(&new_grade(session, &robot, "aaa", 13.0))
            .await
            .unwrap();
        assert_eq!(again, id, "the same rubric replaces in place");
        let other = store
            .upsert_grade(&new_grade(session, &robot, "bbb", 5.0))
            .await
            .unwrap();
        assert_ne!(other, id);

        let same = store.session_grades(session, Some("aaa")).await.unwrap();
        assert_eq!(same.len(), 1);
        assert_eq!(
            same[0].total, 13.0,
            "computed value kept beside the override"
        );
        assert_eq!(same[0].overrides, vec![over]);
        assert_eq!(same[0].computed_points("estops"), Some(2.0));
        assert_eq!(same[0].effective_points("estops"), Some(4.0));
        assert_eq!(same[0].effective_total(), 15.0);
        assert_eq!(store.session_grades(session, None).await.unwrap().len(), 2);
    }
}
