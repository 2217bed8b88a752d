//! Grading from a database file (time slices or id ranges read in parallel, joined per run)
//! gives the grades of the same records graded in memory, also where a boundary cuts through a
//! run, and where rows arrived out of time order among another session's.

use std::sync::Arc;

use fleet_protocol::{CommandId, CommandKind, Event, EventKind, Pose, encode, topic};

use super::from_file::{self, Part, parts};
use super::session::{RunToGrade, grade_runs};
use super::test_records::{T0, command, event, robot, telemetry};
use super::{Course, RowRef, Rubric, Run, RunBuilder, Span, grade};
use crate::domain::{Record, RecordKind};
use crate::store::{DirectReader, SessionId, Store};

const LEN_MS: i64 = 60_000;

/// Two robots for a minute: 20 Hz telemetry with line losses, events, a fleet-wide estop, an
/// unreadable sample, and an event delivered twice, its copies either side of the minute's
/// middle (where the file's two slices meet).
fn class() -> Vec<Record> {
    let course = Course::oval();
    let mut records = Vec::new();
    for (n, name) in ["ada", "bob"].into_iter().enumerate() {
        let id = robot(name);
        for i in 0..LEN_MS / 50 {
            let at_ms = T0 + i * 50 + n as i64;
            let on_line = (i / 40 + n as i64) % 5 != 0;
            let along = course.pose_along(i as f64 * 0.01);
            let pose = Pose {
                x: along.x,
                y: along.y + if on_line { 0.001 } else { 0.05 },
                heading: along.heading,
            };
            records.push(telemetry(&id, at_ms, i as u64 + 1, on_line, Some(pose)));
        }
        records.push(command(
            &id,
            T0 + 1_000,
            CommandKind::LineFollow { speed: 0.4 },
        ));
        records.push(event(&id, T0 + 1_010, 1, EventKind::LineFollowStarted));
        let twice = Event::new(2, 29_000, EventKind::Estopped);
        for at_ms in [T0 + LEN_MS / 2 - 10, T0 + LEN_MS / 2 + 10] {
            records.push(Record {
                robot: Some(id.clone()),
                kind: RecordKind::Event,
                at_ms,
                topic: topic::events(&id),
                payload: encode(&twice),
            });
        }
        records.push(event(&id, T0 + LEN_MS / 2 + 500, 3, EventKind::Released));
        records.push(Record {
            robot: Some(id.clone()),
            kind: RecordKind::Telemetry,
            at_ms: T0 + 40_000,
            topic: topic::telemetry(&id),
            payload: b"{not telemetry".to_vec(),
        });
    }
    let stop =
        fleet_protocol::Command::new(CommandId::parse("stop-all").unwrap(), CommandKind::Estop);
    records.push(Record {
        robot: None,
        kind: RecordKind::Command,
        at_ms: T0 + LEN_MS / 2,
        topic: topic::BROADCAST_CMD.to_owned(),
        payload: encode(&stop),
    });
    records.sort_by_key(|r| r.at_ms);
    records
}

/// Each robot's whole minute, and one span of ada's inside it that crosses the middle.
fn runs() -> Vec<RunToGrade> {
    let course = Arc::new(Course::oval());
    let whole = Span {
        from_ms: T0,
        to_ms: T0 + LEN_MS,
    };
    let middle = Span {
        from_ms: T0 + 20_000,
        to_ms: T0 + 45_000,
    };
    [("ada", whole), ("bob", whole), ("ada", middle)]
        .into_iter()
        .map(|(name, span)| RunToGrade {
            robot: robot(name),
            span,
            course: course.clone(),
        })
        .collect()
}

async fn stored(store: &Store, records: &[Record]) -> SessionId {
    let session = store.start_session("class", T0).await.unwrap().id;
    let rows: Vec<_> = records.iter().map(|r| (session, r.clone())).collect();
    store.insert_records(&rows).await.unwrap();
    session
}

#[tokio::test]
async fn a_file_graded_in_time_slices_grades_as_the_records_do_in_memory() {
    let records = class();
    let rubric = Rubric::line_follow();
    let course = Course::oval();
    let in_memory: Vec<_> = runs()
        .iter()
        .map(|run| {
            grade(
                &Run::from_records(&run.robot, run.span, &records, 0),
                &course,
                &rubric,
            )
        })
        .collect();
    // The scenario reaches what the join must get right.
    let ada = Run::from_records(&robot("ada"), runs()[0].span, &records, 0);
    assert_eq!(
        ada.events
            .iter()
            .filter(|e| e.kind == EventKind::Estopped)
            .count(),
        1,
        "the event delivered twice counts once"
    );
    assert!(ada.commands.iter().any(|c| c.fleet_wide));
    assert_eq!(ada.unreadable.len(), 1);

    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    assert!(
        file.file_path().is_some(),
        "graded from the file, in slices"
    );
    let session = stored(&file, &records).await;
    let from_file = grade_runs(&file, session, runs(), &rubric).await.unwrap();
    assert_eq!(from_file, in_memory);

    let memory = Store::open_in_memory().await.unwrap();
    let session = stored(&memory, &records).await;
    let through_pool = grade_runs(&memory, session, runs(), &rubric).await.unwrap();
    assert_eq!(through_pool, in_memory);
    file.close().await;
}

/// `class()` in an order it could have arrived in: every 17th sample a few rows late, the
/// event delivered twice with its later copy first, and another session recording beside it
/// (every third row written is that session's).
fn arrived(records: &[Record], other: SessionId, session: SessionId) -> Vec<(SessionId, Record)> {
    let mut order: Vec<Record> = records.to_vec();
    let late: Vec<usize> = (0..order.len())
        .filter(|&i| i % 17 == 3 && order[i].kind == RecordKind::Telemetry)
        .collect();
    for &i in late.iter().rev() {
        let row = order.remove(i);
        order.insert((i + 7).min(order.len()), row);
    }
    let twice = encode(&Event::new(2, 29_000, EventKind::Estopped));
    for name in ["ada", "bob"] {
        let copies: Vec<usize> = (0..order.len())
            .filter(|&i| order[i].payload == twice && order[i].robot == Some(robot(name)))
            .collect();
        let [first, second] = copies[..] else {
            panic!("two copies of {name}'s event: {copies:?}");
        };
        let row = order.remove(first);
        order.insert(second, row);
    }
    let mut rows = Vec::new();
    for (i, record) in order.into_iter().enumerate() {
        if i % 2 == 0 {
            rows.push((other, record.clone()));
        }
        rows.push((session, record));
    }
    rows
}

#[tokio::test]
async fn rows_read_by_id_range_or_by_time_grade_late_and_interleaved_rows_in_replay_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    let other = file.start_session("before", T0).await.unwrap().id;
    file.stop_session(T0).await.unwrap();
    let session = file.start_session("class", T0).await.unwrap().id;
    let rows = arrived(&class(), other, session);
    file.insert_records(&rows).await.unwrap();
    // What a replay plays: by time, then arrival.
    let mut replay: Vec<Record> = rows
        .iter()
        .filter(|(s, _)| *s == session)
        .map(|(_, r)| r.clone())
        .collect();
    assert_ne!(replay, class(), "the rows did arrive out of time order");
    replay.sort_by_key(|r| r.at_ms);
    let rubric = Rubric::line_follow();
    let course = Course::oval();
    let in_memory: Vec<_> = runs()
        .iter()
        .map(|run| {
            let run = Run::from_records(&run.robot, run.span, &replay, 0);
            grade(&run, &course, &rubric)
        })
        .collect();

    let path = file.file_path().unwrap();
    let mut reader = DirectReader::open(&path).unwrap();
    let ids = reader
        .session_ids(session)
        .unwrap()
        .expect("the session's id bounds");
    assert_eq!(ids.rows, i64::try_from(replay.len()).unwrap());
    let packs = reader
        .session_packs(session)
        .unwrap()
        .expect("every row packed");
    let window = Span {
        from_ms: T0,
        to_ms: T0 + LEN_MS,
    };
    // The minute as recorded: by packs, or by id once they are gone. The minute of a
    // ten-minute session: by time.
    let long = Span {
        from_ms: T0,
        to_ms: T0 + 10 * LEN_MS,
    };
    for (recorded, packed, how) in [
        (window, true, "packs"),
        (window, false, "ids"),
        (long, false, "time"),
    ] {
        if !packed {
            file.execute_for_tests("DELETE FROM telemetry_packs").await;
        }
        let packs = reader.session_packs(session).unwrap();
        assert_eq!(packs.is_some(), packed);
        let cut = parts(window, recorded, Some(ids), packs, 2);
        let read_by = match cut[0] {
            Part::Packs(..) => "packs",
            Part::Ids(..) => "ids",
            Part::Time(..) => "time",
        };
        assert_eq!(read_by, how);
        let rubric = std::sync::Arc::new(rubric.clone());
        let from_file = from_file::grade_runs(path.clone(), session, recorded, runs(), 0, rubric)
            .await
            .unwrap();
        assert_eq!(from_file, in_memory, "read by {how}");
    }
    assert!(packs.rows > 2_000);
    file.close().await;
}

/// Packs the session's counts still vouch for though they are wrong: `sql` run after the
/// trigger that would have told (`dropped`). Reading them by packs fails with a pack error,
/// and grading reads the payloads instead, to the grades it gave before.
async fn packs_read_past_after(dropped: &'static str, sql: &'static str) {
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    let session = stored(&file, &class()).await;
    let rubric = Rubric::line_follow();
    let expected = grade_runs(&file, session, runs(), &rubric).await.unwrap();
    file.execute_for_tests(dropped).await;
    file.execute_for_tests(sql).await;
    let path = file.file_path().unwrap();
    let packs = DirectReader::open(&path)
        .unwrap()
        .session_packs(session)
        .unwrap();
    assert!(packs.is_some(), "the counts still say every row is packed");
    let window = Span {
        from_ms: T0,
        to_ms: T0 + LEN_MS,
    };
    let cut = parts(window, window, None, packs, 2);
    let read = from_file::read_parts(
        path,
        session,
        Arc::new(runs()),
        cut,
        (window, packs.map(|p| p.rows)),
        0,
    )
    .await;
    assert!(
        matches!(read, Err(super::session::SessionGradeError::Pack(_))),
        "{sql}: {:?}",
        read.map(|parts| parts.len())
    );
    let graded = grade_runs(&file, session, runs(), &rubric).await.unwrap();
    assert_eq!(graded, expected, "{sql}");
    file.close().await;
}

#[tokio::test]
async fn a_damaged_pack_or_one_of_another_format_is_read_past_to_the_payloads() {
    for damage in [
        "UPDATE telemetry_packs SET pack = substr(pack, 1, length(pack) - 3) WHERE id = 1",
        "UPDATE telemetry_packs SET pack = CAST(x'ff00' || substr(pack, 3) AS BLOB) WHERE id = 2",
        // A row more than it holds.
        "UPDATE telemetry_packs SET rows = rows + 1 WHERE id = 1",
    ] {
        packs_read_past_after("DROP TRIGGER telemetry_packs_update", damage).await;
    }
}

#[tokio::test]
async fn a_pack_gone_behind_the_counts_back_is_read_past_to_the_payloads() {
    packs_read_past_after(
        "DROP TRIGGER telemetry_packs_delete",
        "DELETE FROM telemetry_packs WHERE id = 1",
    )
    .await;
}

#[tokio::test]
async fn no_runs_grade_to_nothing_and_an_unknown_session_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    let session = stored(&file, &class()).await;
    let rubric = Rubric::line_follow();
    assert!(
        grade_runs(&file, session, Vec::new(), &rubric)
            .await
            .unwrap()
            .is_empty()
    );
    let err = grade_runs(&file, SessionId(session.0 + 99), runs(), &rubric)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no session"), "{err}");
    file.close().await;
}

#[test]
fn a_run_read_in_two_slices_and_joined_is_the_run_read_in_one() {
    let records = class();
    for run in runs() {
        let whole = Run::from_records(&run.robot, run.span, &records, 0);
        for cut in [
            T0 + 1_005,
            T0 + LEN_MS / 2 - 1,
            T0 + LEN_MS / 2,
            T0 + LEN_MS / 2 + 10,
        ] {
            let mut first = RunBuilder::new(&run.robot, run.span, 0);
            let mut later = RunBuilder::new(&run.robot, run.span, 0);
            for r in records
                .iter()
                .filter(|r| r.robot.as_ref().is_none_or(|id| *id == run.robot))
            {
                let row = RowRef {
                    kind: r.kind,
                    at_ms: r.at_ms,
                    fleet_wide: r.robot.is_none(),
                    payload: &r.payload,
                };
                if r.at_ms <= cut {
                    first.push(row);
                } else {
                    later.push(row);
                }
            }
            first.append(later);
            // Not assert_eq: a run's debug print is thousands of samples long.
            let joined = first.finish();
            assert!(joined == whole, "{} cut at {} ms", run.robot, cut - T0);
        }
    }
}

#[test]
fn a_run_built_from_rows_in_arrival_order_in_two_parts_is_the_run_in_replay_order() {
    let session = SessionId(2);
    let arrived: Vec<Record> = arrived(&class(), SessionId(1), session)
        .into_iter()
        .filter(|(s, _)| *s == session)
        .map(|(_, r)| r)
        .collect();
    let mut replay = arrived.clone();
    replay.sort_by_key(|r| r.at_ms);
    for run in runs() {
        let whole = Run::from_records(&run.robot, run.span, &replay, 0);
        assert_eq!(
            whole
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Estopped)
                .map(|e| e.at_ms - T0)
                .collect::<Vec<_>>(),
            [LEN_MS / 2 - 10],
            "the earlier copy of the event delivered twice is kept, though it arrived last"
        );
        for cut in [1, arrived.len() / 3, arrived.len() / 2, arrived.len() - 1] {
            let mut first = RunBuilder::new(&run.robot, run.span, 0);
            let mut later = RunBuilder::new(&run.robot, run.span, 0);
            for (i, r) in arrived.iter().enumerate() {
                if r.robot.as_ref().is_some_and(|id| *id != run.robot) {
                    continue;
                }
                let row = RowRef {
                    kind: r.kind,
                    at_ms: r.at_ms,
                    fleet_wide: r.robot.is_none(),
                    payload: &r.payload,
                };
                if i < cut {
                    first.push(row);
                } else {
                    later.push(row);
                }
            }
            first.append(later);
            let joined = first.finish();
            assert!(joined == whole, "{} cut at row {cut}", run.robot);
        }
    }
}
