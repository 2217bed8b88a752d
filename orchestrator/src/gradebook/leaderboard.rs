//! A session's leaderboard: its stored grades ranked (the teacher's overrides applied), each
//! with who drove the robot and which run it was (a mission, or a span the teacher marked).

use crate::contract::LeaderboardRow;
use crate::grading::session::ranked;
use crate::store::{MarkedRun, SessionId, Store, StoreError, StoredGrade};

use super::People;

/// The leaderboard of `session`, best first; only the grades of the rubric with `rubric_hash`
/// when given.
pub async fn leaderboard(
    store: &Store,
    session: SessionId,
    rubric_hash: Option<&str>,
) -> Result<Vec<LeaderboardRow>, StoreError> {
    let grades = store.session_grades(session, rubric_hash).await?;
    let marked = store.session_marked_runs(session).await?;
    let people = People::load(store).await?;
    Ok(rows(grades, &marked, &people))
}

/// The ranked rows of `grades`, with the people and marks found for each.
pub fn rows(
    grades: Vec<StoredGrade>,
    marked: &[MarkedRun],
    people: &People,
) -> Vec<LeaderboardRow> {
    ranked(grades)
        .into_iter()
        .enumerate()
        .map(|(i, grade)| {
            let mark = mark_of(&grade, marked).cloned();
            LeaderboardRow {
                rank: i + 1,
                effective_total: grade.effective_total(),
                student: people.student(&grade.robot),
                team: people.team(&grade.robot),
                run: run_label(&grade, mark.as_ref()),
                marked_run: mark,
                grade,
            }
        })
        .collect()
}

/// The mark a grade of no mission was taken from: same robot, same span.
fn mark_of<'a>(grade: &StoredGrade, marked: &'a [MarkedRun]) -> Option<&'a MarkedRun> {
    if grade.mission.is_some() {
        return None;
    }
    marked.iter().find(|m| {
        m.robot == grade.robot
            && m.started_at_ms == grade.from_ms
            && m.ended_at_ms == Some(grade.to_ms)
    })
}

/// `mission 3`, `run 5 "second try"`, `run 6`, or the span for a grade whose mark is gone.
pub fn run_label(grade: &StoredGrade, mark: Option<&MarkedRun>) -> String {
    match (grade.mission, mark) {
        (Some(m), _) => format!("mission {}", m.0),
        (
            None,
            Some(MarkedRun {
                id,
                label: Some(label),
                ..
            }),
        ) => format!("run {id} {label:?}"),
        (None, Some(m)) => format!("run {}", m.id),
        (None, None) => format!("{}-{}", grade.from_ms, grade.to_ms),
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::RobotId;

    use super::*;
    use crate::store::MissionId;

    fn grade(
        id: i64,
        robot: &str,
        mission: Option<i64>,
        span: (i64, i64),
        total: f64,
    ) -> StoredGrade {
        StoredGrade {
            id,
            session: SessionId(1),
            robot: RobotId::parse(robot).unwrap(),
            mission: mission.map(MissionId),
            from_ms: span.0,
            to_ms: span.1,
            rubric_name: "line-follow".into(),
            rubric_version: 1,
            rubric_hash: "h".into(),
            criteria: serde_json::json!([]),
            total,
            scale: 20.0,
            passed: true,
            unreliable: false,
            gaps: serde_json::json!({}),
            graded_at_ms: 0,
            overrides: Vec::new(),
        }
    }

    #[test]
    fn rows_are_ranked_and_name_the_mission_or_the_teachers_mark_and_the_people() {
        let mark = MarkedRun {
            id: 5,
            session: SessionId(1),
            robot: RobotId::parse("r2").unwrap(),
            label: Some("second try".into()),
            started_at_ms: 100,
            ended_at_ms: Some(900),
        };
        let people = People::new(&[], vec![("r2".into(), "red".into())]);
        let board = rows(
            vec![
                grade(1, "r1", Some(3), (0, 500), 12.0),
                grade(2, "r2", None, (100, 900), 15.0),
                grade(3, "r2", None, (100, 800), 2.0),
            ],
            std::slice::from_ref(&mark),
            &people,
        );
        let seen: Vec<(usize, &str, Option<&str>)> = board
            .iter()
            .map(|r| (r.rank, r.run.as_str(), r.team.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, "run 5 \"second try\"", Some("red")),
                (2, "mission 3", None),
                (3, "100-800", Some("red")),
            ]
        );
        assert_eq!(board[0].marked_run.as_ref(), Some(&mark));
        assert_eq!(board[1].marked_run, None);
        assert!(board.iter().all(|r| r.student.is_none()));
    }
}
