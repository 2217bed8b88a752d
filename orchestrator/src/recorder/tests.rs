//! The recorder against a real SQLite file: sessions, backpressure, failures and shutdown.
//! A second connection holding `BEGIN IMMEDIATE` plays the part of a store that cannot write.

use std::path::Path;
use std::time::Duration;

use fleet_protocol::RobotId;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Sqlite, Transaction};

use super::*;
use crate::store::{RecordFilter, SessionId, Store, StoreOptions};

fn record(i: i64) -> Record {
    let robot = RobotId::parse("tank-1").unwrap();
    Record {
        topic: fleet_protocol::topic::telemetry(&robot),
        robot: Some(robot),
        kind: RecordKind::Telemetry,
        at_ms: i,
        payload: format!("{{\"seq\":{i}}}").into_bytes(),
    }
}

async fn file_store(dir: &Path, busy_timeout: Duration) -> Store {
    let options = StoreOptions {
        busy_timeout,
        ..StoreOptions::default()
    };
    Store::open_with(&dir.join("fleet.db"), &options)
        .await
        .unwrap()
}

/// Takes the database's write lock from another connection until the transaction is dropped
/// or committed.
async fn hold_write_lock(dir: &Path) -> Transaction<'static, Sqlite> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(dir.join("fleet.db")))
        .await
        .unwrap();
    pool.begin_with("BEGIN IMMEDIATE").await.unwrap()
}

async fn stored_payloads(store: &Store, session: SessionId) -> Vec<Vec<u8>> {
    let rows = store
        .session_records(session, None, u32::MAX)
        .await
        .unwrap();
    rows.into_iter().map(|s| s.record.payload).collect()
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn records_belong_to_the_session_running_when_they_were_sent() {
    let store = Store::open_in_memory().await.unwrap();
    let recorder = Recorder::spawn(store.clone(), RecorderConfig::default())
        .await
        .unwrap();
    let serve = recorder.current_session();
    // Received now, as the actors stamp them, so they sort after the session starts.
    let now = |i| Record {
        at_ms: crate::domain::now_ms(),
        ..record(i)
    };

    assert!(recorder.record(now(1)));
    let race = recorder.start_session("race 1").await.unwrap();
    assert!(recorder.record(now(2)));
    assert!(recorder.record(now(3)));
    let after = recorder.stop_session().await.unwrap();
    assert!(recorder.record(now(4)));
    recorder.flush().await.unwrap();

    assert_eq!(stored_payloads(&store, serve).await, [record(1).payload]);
    // Each new session opens with the robot's last telemetry (the fleet as it was), then
    // holds what was sent while it ran.
    assert_eq!(
        stored_payloads(&store, race).await,
        [record(1).payload, record(2).payload, record(3).payload]
    );
    assert_eq!(
        stored_payloads(&store, after).await,
        [record(3).payload, record(4).payload]
    );
    let race = store.get_session(race).await.unwrap().unwrap();
    assert_eq!(race.name, "race 1");
    assert!(!race.is_running());
    let running = store.running_session().await.unwrap().unwrap();
    assert_eq!((running.id, running.name.as_str()), (after, "serve"));
    // Stopping while only the idle session runs changes nothing.
    assert_eq!(recorder.stop_session().await.unwrap(), after);
}

// The writer runs on its own thread: were it not blocked, it would drain the queue while the
// test sends and accept more than the queue's capacity.
#[tokio::test]
async fn a_full_queue_drops_and_counts_records_and_keeps_every_accepted_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path(), Duration::from_secs(10)).await;
    let config = RecorderConfig {
        channel_capacity: 8,
        batch_rows: 4,
        ..RecorderConfig::default()
    };
    let recorder = Recorder::spawn(store.clone(), config).await.unwrap();
    let lock = hold_write_lock(dir.path()).await;

    // The writer takes these four and then waits on the lock inside its write.
    for i in 0..4 {
        assert!(recorder.record(record(i)));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let accepted: Vec<i64> = (4..204).filter(|&i| recorder.record(record(i))).collect();
    assert_eq!(
        accepted,
        (4..12).collect::<Vec<_>>(),
        "only the queue's 8 slots"
    );

    lock.commit().await.unwrap();
    recorder.flush().await.unwrap();
    let stats = recorder.stats();
    assert_eq!(
        (stats.received, stats.dropped, stats.written, stats.lost),
        (204, 192, 12, 0)
    );
    let session = recorder.current_session();
    let expected: Vec<Vec<u8>> = (0..12).map(|i| record(i).payload).collect();
    assert_eq!(stored_payloads(&store, session).await, expected);
    let session = store.get_session(session).await.unwrap().unwrap();
    assert_eq!(session.dropped, 192, "the recording says it has gaps");
}

#[tokio::test]
async fn a_failed_write_is_retried_until_it_succeeds_and_nothing_accepted_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path(), Duration::from_millis(30)).await;
    let config = RecorderConfig {
        flush_interval: Duration::from_millis(10),
        retry_min: Duration::from_millis(10),
        retry_max: Duration::from_millis(40),
        ..RecorderConfig::default()
    };
    let recorder = Recorder::spawn(store.clone(), config).await.unwrap();
    let lock = hold_write_lock(dir.path()).await;

    for i in 0..50 {
        assert!(recorder.record(record(i)));
    }
    eventually("two failed writes", || recorder.stats().write_errors >= 2).await;
    assert_eq!(recorder.stats().pending, 50, "the failed batch is held");
    lock.commit().await.unwrap();
    recorder.flush().await.unwrap();

    let stats = recorder.stats();
    assert_eq!((stats.written, stats.lost, stats.pending), (50, 0, 0));
    let expected: Vec<Vec<u8>> = (0..50).map(|i| record(i).payload).collect();
    assert_eq!(
        stored_payloads(&store, recorder.current_session()).await,
        expected
    );
}

#[tokio::test]
async fn records_past_the_holding_bound_are_counted_as_lost_while_the_store_fails() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path(), Duration::from_millis(30)).await;
    let config = RecorderConfig {
        batch_rows: 5,
        max_pending_rows: 10,
        retry_min: Duration::from_millis(10),
        retry_max: Duration::from_millis(40),
        ..RecorderConfig::default()
    };
    let recorder = Recorder::spawn(store.clone(), config).await.unwrap();
    let lock = hold_write_lock(dir.path()).await;

    for i in 0..30 {
        assert!(recorder.record(record(i)));
    }
    eventually("the overflow to be counted", || recorder.stats().lost == 20).await;
    lock.commit().await.unwrap();
    recorder.flush().await.unwrap();

    let stats = recorder.stats();
    assert_eq!((stats.received, stats.written, stats.lost), (30, 10, 20));
    let session = recorder.current_session();
    let expected: Vec<Vec<u8>> = (0..10).map(|i| record(i).payload).collect();
    assert_eq!(stored_payloads(&store, session).await, expected);
    assert_eq!(
        store.get_session(session).await.unwrap().unwrap().dropped,
        20
    );
}

#[tokio::test]
async fn shutdown_writes_pending_rows_and_stops_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path(), Duration::from_secs(5)).await;
    let config = RecorderConfig {
        flush_interval: Duration::from_secs(3600),
        batch_rows: 10_000,
        ..RecorderConfig::default()
    };
    let recorder = Recorder::spawn(store.clone(), config).await.unwrap();
    let session = recorder.start_session("graded run").await.unwrap();
    for i in 0..300 {
        assert!(recorder.record(record(i)));
    }
    recorder.shutdown().await.unwrap();

    assert_eq!(recorder.stats().written, 300);
    let filter = RecordFilter {
        session: Some(session),
        ..RecordFilter::default()
    };
    assert_eq!(store.count_records(&filter).await.unwrap(), 300);
    assert_eq!(store.running_session().await.unwrap(), None);
    // Too late: refused, and counted.
    assert!(!recorder.record(record(300)));
    assert_eq!(recorder.stats().dropped, 1);
    assert!(matches!(
        recorder.flush().await,
        Err(RecorderError::Stopped)
    ));
}

#[tokio::test]
async fn shutdown_against_a_store_that_never_recovers_reports_what_it_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path(), Duration::from_millis(20)).await;
    let config = RecorderConfig {
        flush_interval: Duration::from_secs(3600),
        retry_min: Duration::from_millis(5),
        shutdown_attempts: 2,
        ..RecorderConfig::default()
    };
    let recorder = Recorder::spawn(store.clone(), config).await.unwrap();
    let _lock = hold_write_lock(dir.path()).await;
    for i in 0..7 {
        recorder.record(record(i));
    }
    let outcome = recorder.shutdown().await;
    assert!(
        matches!(outcome, Err(RecorderError::Unwritten { rows: 7 })),
        "{outcome:?}"
    );
    let stats = recorder.stats();
    assert_eq!((stats.lost, stats.written, stats.write_errors), (7, 0, 2));
}

#[tokio::test]
async fn a_session_left_running_by_a_crash_is_closed_at_its_last_record() {
    let store = Store::open_in_memory().await.unwrap();
    let crashed = store.start_session("race", 1_000).await.unwrap().id;
    store
        .insert_records(&[(crashed, record(1_500))])
        .await
        .unwrap();

    let recorder = Recorder::spawn(store.clone(), RecorderConfig::default())
        .await
        .unwrap();
    let crashed = store.get_session(crashed).await.unwrap().unwrap();
    assert_eq!(crashed.stopped_at_ms, Some(1_500));
    let running = store.running_session().await.unwrap().unwrap();
    assert_eq!(running.id, recorder.current_session());
    assert_eq!(running.name, "serve");
}
