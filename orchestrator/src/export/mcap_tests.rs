//! The MCAP export read back with the `mcap` crate and checked message by message against the
//! recorded session (channels, schemas, times, payloads), and the import round trip.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use fleet_protocol::RobotId;

use super::tests::{CLOCK_SKEW_MS, Recorded, export_file, record_session};
use super::*;
use crate::domain::{Record, RecordKind};
use crate::store::Store;

/// A message as read back: (channel topic, channel metadata, log time, publish time, data).
type ReadMessage = (String, BTreeMap<String, String>, u64, u64, Vec<u8>);

fn messages(mcap: &[u8]) -> Vec<ReadMessage> {
    mcap::MessageStream::new(mcap)
        .unwrap()
        .map(|m| {
            let m = m.unwrap();
            let channel = &m.channel;
            (
                channel.topic.clone(),
                channel.metadata.clone(),
                m.log_time,
                m.publish_time,
                m.data.into_owned(),
            )
        })
        .collect()
}

fn session_metadata(mcap: &[u8]) -> BTreeMap<String, String> {
    let summary = mcap::Summary::read(mcap).unwrap().unwrap();
    let index = summary
        .metadata_indexes
        .iter()
        .find(|i| i.name == SESSION_METADATA)
        .unwrap();
    mcap::read::metadata(mcap, index).unwrap().metadata
}

fn expected_channel(record: &Record) -> String {
    match record.kind {
        RecordKind::State => format!("{}#state", record.topic),
        _ => record.topic.clone(),
    }
}

#[tokio::test]
async fn every_record_is_an_mcap_message_on_its_channel_with_its_schema_and_times() {
    let recorded = record_session(false).await;
    let records = &recorded.records;
    let (summary, bytes) = export_file(&recorded, Format::Mcap, "race.mcap").await;
    assert_eq!(summary.records, records.len() as u64);

    let read = mcap::MessageStream::new(&bytes).unwrap();
    let mut channels = BTreeSet::new();
    let mut count = 0;
    for (message, record) in read.zip(records) {
        let message = message.unwrap();
        count += 1;
        let channel = &message.channel;
        channels.insert(channel.id);
        assert_eq!(channel.topic, expected_channel(record));
        assert_eq!(channel.message_encoding, "json");
        assert_eq!(channel.metadata[META_FAMILY], record.kind.as_str());
        assert_eq!(channel.metadata[META_TOPIC], record.topic);
        assert_eq!(
            channel.metadata.get(META_ROBOT).map(String::as_str),
            record.robot.as_ref().map(RobotId::as_str)
        );
        let schema = channel.schema.as_ref().unwrap();
        assert_eq!(schema.name, schema_name(record.kind));
        assert_eq!(schema.encoding, "jsonschema");
        let schema: serde_json::Value = serde_json::from_slice(&schema.data).unwrap();
        assert_eq!(schema, family_schema(record.kind));

        assert_eq!(message.log_time, record.at_ms as u64 * 1_000_000);
        let robot_clock = match record.kind {
            RecordKind::Command | RecordKind::State | RecordKind::Game => record.at_ms,
            _ => record.at_ms - CLOCK_SKEW_MS,
        };
        assert_eq!(
            message.publish_time,
            robot_clock as u64 * 1_000_000,
            "{record:?}"
        );
        assert_eq!(message.data.as_ref(), record.payload.as_slice());
    }
    assert_eq!(count, records.len());
    // One channel per robot, topic and family (tank-3's status and derived state apart).
    let distinct: BTreeSet<(Option<RobotId>, String, &str)> = records
        .iter()
        .map(|r| (r.robot.clone(), r.topic.clone(), r.kind.as_str()))
        .collect();
    assert_eq!(channels.len(), distinct.len());

    let summary = mcap::Summary::read(&bytes).unwrap().unwrap();
    assert!(!summary.chunk_indexes.is_empty());
    assert!(
        summary
            .chunk_indexes
            .iter()
            .all(|c| c.compression == "zstd")
    );
    let schemas: BTreeSet<&str> = summary.schemas.values().map(|s| s.name.as_str()).collect();
    let families: BTreeSet<&str> = RecordKind::ALL.iter().map(|k| schema_name(*k)).collect();
    assert_eq!(schemas, families);
    let meta = session_metadata(&bytes);
    assert_eq!(meta["name"], "lap race");
    assert_eq!(meta["id"], recorded.session.id.to_string());
    assert_eq!(
        meta["started_at_ms"],
        recorded.session.started_at_ms.to_string()
    );
    assert_eq!(
        meta["stopped_at_ms"],
        recorded.session.stopped_at_ms.unwrap().to_string()
    );
    assert_eq!(meta["dropped"], "0");
}

#[tokio::test]
async fn export_import_and_export_again_gives_the_same_messages() {
    let recorded = record_session(true).await;
    let (_, first) = export_file(&recorded, Format::Mcap, "first.mcap").await;

    // Into another database, as `orchestrator import` would after class.
    let dir = tempfile::tempdir().unwrap();
    let other = Store::open(&dir.path().join("other.db")).await.unwrap();
    let imported = import_mcap(&other, Cursor::new(&first)).await.unwrap();
    assert_eq!(imported.records, recorded.records.len() as u64);
    assert_eq!(imported.unreadable, 2);
    let session = &imported.session;
    assert_eq!(session.name, "lap race");
    assert_eq!(session.started_at_ms, recorded.session.started_at_ms);
    assert_eq!(session.stopped_at_ms, recorded.session.stopped_at_ms);
    let back: Vec<Record> = other
        .session_records(session.id, None, u32::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.record)
        .collect();
    assert_eq!(
        back, recorded.records,
        "robots, times, topics and raw payloads"
    );

    let again = Recorded {
        dir,
        store: other,
        session: session.clone(),
        records: back,
    };
    let (_, second) = export_file(&again, Format::Mcap, "second.mcap").await;
    assert_eq!(messages(&second), messages(&first));
    let (mut before, mut after) = (session_metadata(&first), session_metadata(&second));
    assert_ne!(before.remove("id"), None);
    assert_ne!(after.remove("id"), None);
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_session_exported_while_running_imports_ending_at_its_last_record() {
    let recorded = record_session(false).await;
    let mut running = recorded.session.clone();
    running.stopped_at_ms = None;
    let mut sink = McapSink::new(Cursor::new(Vec::new()), &running).unwrap();
    for record in &recorded.records {
        sink.write(record, &decode_record(record)).unwrap();
    }
    let bytes = sink.into_inner().unwrap().into_inner();
    let store = Store::open_in_memory().await.unwrap();
    let imported = import_mcap(&store, Cursor::new(&bytes)).await.unwrap();
    let last = recorded.records.last().unwrap().at_ms;
    assert!(last > running.started_at_ms);
    assert_eq!(imported.session.stopped_at_ms, Some(last));
}

#[tokio::test]
async fn a_file_that_is_not_a_whole_export_is_refused_and_leaves_no_session_behind() {
    let recorded = record_session(false).await;
    let (_, bytes) = export_file(&recorded, Format::Mcap, "race.mcap").await;
    let store = Store::open_in_memory().await.unwrap();
    let before = store.list_sessions().await.unwrap();

    // Cut in the middle of the chunk that holds the messages.
    let summary = mcap::Summary::read(&bytes).unwrap().unwrap();
    let chunk = &summary.chunk_indexes[0];
    let cut = chunk.chunk_start_offset + chunk.chunk_length / 2;
    let truncated = &bytes[..cut as usize];
    let err = import_mcap(&store, Cursor::new(truncated))
        .await
        .unwrap_err();
    assert!(matches!(err, ExportError::Mcap(_)), "{err}");

    // A valid MCAP file, but not one this project wrote: no session metadata.
    let mut foreign = mcap::WriteOptions::new()
        .create(Cursor::new(Vec::new()))
        .unwrap();
    let channel = foreign
        .add_channel(0, "/chatter", "json", &BTreeMap::new())
        .unwrap();
    let header = mcap::records::MessageHeader {
        channel_id: channel,
        sequence: 1,
        log_time: 1,
        publish_time: 1,
    };
    foreign.write_to_known_channel(&header, b"{}").unwrap();
    foreign.finish().unwrap();
    let foreign = foreign.into_inner().into_inner();
    let err = import_mcap(&store, Cursor::new(&foreign))
        .await
        .unwrap_err();
    assert!(matches!(err, ExportError::NotAnExport(_)), "{err}");

    let err = import_mcap(&store, Cursor::new(b"not mcap at all"))
        .await
        .unwrap_err();
    assert!(matches!(err, ExportError::Mcap(_)), "{err}");
    assert_eq!(store.list_sessions().await.unwrap(), before);
}
