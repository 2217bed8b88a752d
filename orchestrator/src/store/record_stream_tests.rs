//! Tests of the paged read: order, filters, the snapshot, both readers, the query plan.

use super::*;

fn record(robot: Option<&str>, kind: RecordKind, at_ms: i64) -> Record {
    let robot = robot.map(|r| RobotId::parse(r).unwrap());
    Record {
        topic: match &robot {
            Some(r) => fleet_protocol::topic::telemetry(r),
            None => fleet_protocol::topic::BROADCAST_CMD.to_owned(),
        },
        robot,
        kind,
        at_ms,
        payload: at_ms.to_string().into_bytes(),
    }
}

const READERS: [PageReader; 2] = [PageReader::CApi, PageReader::Sqlx];

async fn read_all(mut pages: RecordPages) -> Vec<Record> {
    let mut all = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        assert!(!page.is_empty());
        all.extend(page.into_iter().map(|s| s.record));
    }
    all
}

#[tokio::test]
async fn pages_cover_the_session_in_time_order_and_nothing_of_other_sessions() {
    let store = Store::open_in_memory().await.unwrap();
    let first = store.start_session("first", 0).await.unwrap().id;
    let second = store.start_session("second", 0).await.unwrap().id;
    let rows: Vec<_> = (0..25i64)
        .map(|i| {
            let session = if i % 5 == 0 { second } else { first };
            // Out of time order, with ties.
            let at_ms = (i * 7) % 10;
            (session, record(Some("t1"), RecordKind::Telemetry, at_ms))
        })
        .collect();
    store.insert_records(&rows).await.unwrap();
    let mut expected: Vec<Record> = rows
        .into_iter()
        .filter(|(s, _)| *s == first)
        .map(|(_, r)| r)
        .collect();
    // A stable sort keeps arrival order for equal times, as the store does.
    expected.sort_by_key(|r| r.at_ms);
    for reader in READERS {
        let pages = store
            .record_pages(RecordQuery::session(first))
            .await
            .unwrap()
            .with_reader(reader);
        let read = read_all(pages.with_page_rows(3)).await;
        assert_eq!(read, expected, "{reader:?}");
    }
    let counted = store
        .count_matching(&RecordQuery::session(first))
        .await
        .unwrap();
    assert_eq!(counted, 20);
}

#[tokio::test]
async fn robot_and_kind_filters_keep_fleet_wide_records() {
    let store = Store::open_in_memory().await.unwrap();
    let session = store.start_session("run", 0).await.unwrap().id;
    let rows = vec![
        (session, record(Some("t1"), RecordKind::Telemetry, 1)),
        (session, record(Some("t2"), RecordKind::Telemetry, 2)),
        (session, record(None, RecordKind::Command, 3)),
        (session, record(Some("t1"), RecordKind::Event, 4)),
        (session, record(Some("t3"), RecordKind::Command, 5)),
    ];
    store.insert_records(&rows).await.unwrap();
    let query = RecordQuery {
        robots: vec![RobotId::parse("t1").unwrap(), RobotId::parse("t3").unwrap()],
        kinds: vec![RecordKind::Telemetry, RecordKind::Command],
        ..RecordQuery::session(session)
    };
    for reader in READERS {
        let pages = store.record_pages(query.clone()).await.unwrap();
        let times: Vec<i64> = read_all(pages.with_reader(reader).with_page_rows(2))
            .await
            .iter()
            .map(|r| r.at_ms)
            .collect();
        assert_eq!(times, [1, 3, 5], "{reader:?}");
    }
    assert_eq!(store.count_matching(&query).await.unwrap(), 3);
}

#[tokio::test]
async fn records_committed_after_the_start_are_not_part_of_the_export() {
    for reader in READERS {
        let store = Store::open_in_memory().await.unwrap();
        let session = store.start_session("run", 0).await.unwrap().id;
        let early: Vec<_> = (0..4)
            .map(|i| (session, record(Some("t1"), RecordKind::Telemetry, 10 + i)))
            .collect();
        store.insert_records(&early).await.unwrap();
        let mut pages = store
            .record_pages(RecordQuery::session(session))
            .await
            .unwrap()
            .with_reader(reader)
            .with_page_rows(2);
        let first = pages.next_page().await.unwrap().unwrap();
        // Committed while the export runs: one before the cursor, one after it.
        let late = vec![
            (session, record(Some("t1"), RecordKind::Telemetry, 0)),
            (session, record(Some("t1"), RecordKind::Telemetry, 99)),
        ];
        store.insert_records(&late).await.unwrap();
        let mut times: Vec<i64> = first.iter().map(|s| s.record.at_ms).collect();
        while let Some(page) = pages.next_page().await.unwrap() {
            times.extend(page.iter().map(|s| s.record.at_ms));
        }
        assert_eq!(times, [10, 11, 12, 13], "{reader:?}");
    }
}

#[tokio::test]
async fn a_page_query_seeks_in_the_session_index_and_needs_no_sort() {
    let store = Store::open_in_memory().await.unwrap();
    let session = store.start_session("run", 0).await.unwrap().id;
    let query = RecordQuery {
        robots: vec![RobotId::parse("t1").unwrap()],
        ..RecordQuery::session(session)
    };
    for query in [RecordQuery::session(session), query] {
        let pages = store.record_pages(query).await.unwrap();
        let (sql, binds) = pages.raw_page_sql();
        let mut plan = Vec::new();
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        raw_rows::for_each_row(&store.reader, "explaining", &explain, &binds, |row| {
            plan.push(row.text(3).unwrap().unwrap_or_default().to_owned());
            Ok(())
        })
        .await
        .unwrap();
        let plan = plan.join("; ");
        assert!(
            plan.contains("USING INDEX records_session_at (session_id=? AND at_ms>?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}

#[tokio::test]
async fn an_empty_session_has_no_page() {
    let store = Store::open_in_memory().await.unwrap();
    let session = store.start_session("run", 0).await.unwrap().id;
    let mut pages = store
        .record_pages(RecordQuery::session(session))
        .await
        .unwrap();
    assert_eq!(pages.next_page().await.unwrap(), None);
}
