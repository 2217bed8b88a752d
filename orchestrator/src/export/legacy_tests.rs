//! The course game's records in every export: its legacy messages as text (CSV `payload`, JSON
//! Lines `text`, MCAP `fleet.LegacyText`), not flagged unreadable; garbage a robot sent still
//! flagged; and the MCAP import giving the same bytes back.

use std::io::Cursor;

use fleet_protocol::RobotId;
use serde_json::Value;

use super::*;
use crate::domain::{Record, RecordKind};
use crate::recorder::{Recorder, RecorderConfig};
use crate::store::{RecordQuery, Store};

const RED: &str = "0xdca632bf9101";

/// (topic, payload, robot) of a short game, then a robot's garbage.
fn game_records(start_ms: i64) -> Vec<Record> {
    let game = |topic: &str, payload: &[u8], robot: Option<&str>, i: i64| Record {
        robot: robot.map(|r| RobotId::parse(r).unwrap()),
        kind: RecordKind::Game,
        at_ms: start_ms + 10 * i,
        topic: topic.to_owned(),
        payload: payload.to_vec(),
    };
    vec![
        game(
            "game/created",
            br#"{"name":"final","phase":"registration"}"#,
            None,
            1,
        ),
        game("init", b"INIT 0xdca632bf9101", Some(RED), 2),
        game("tanks/0xdca632bf9101/init", b"TEAM RED", Some(RED), 3),
        game(
            "tanks/0xdca632bf9101/init",
            b"QR_CODE red-base",
            Some(RED),
            4,
        ),
        game(
            "tanks/0xdca632bf9101/flag",
            b"ENTER_FLAG_AREA",
            Some(RED),
            5,
        ),
        game("tanks/0xdca632bf9101/flag", b"START_CATCHING", Some(RED), 6),
        game(
            "tanks/0xdca632bf9101/shots",
            b"SHOT_BY 0xf1dca632bf9102",
            Some(RED),
            7,
        ),
        game("tanks/0xdca632bf9101/shots/in", b"SHOT", Some(RED), 8),
        game("tanks/0xdca632bf9101/flag", b"DANCE, \"now\"", Some(RED), 9),
    ]
}

struct GameSession {
    dir: tempfile::TempDir,
    store: Store,
    session: Session,
    records: Vec<Record>,
}

async fn record_game() -> GameSession {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    let recorder = Recorder::spawn(store.clone(), RecorderConfig::default())
        .await
        .unwrap();
    let id = recorder.start_session("game").await.unwrap();
    let started = store.get_session(id).await.unwrap().unwrap();
    let records = game_records(started.started_at_ms);
    for record in &records {
        assert!(recorder.record(record.clone()));
    }
    recorder.stop_session().await.unwrap();
    recorder.flush().await.unwrap();
    let session = store.get_session(id).await.unwrap().unwrap();
    GameSession {
        dir,
        store,
        session,
        records,
    }
}

async fn export(game: &GameSession, format: Format) -> (ExportSummary, Vec<u8>) {
    let path = game.dir.path().join(format!("game.{}", format.as_str()));
    let query = RecordQuery::session(game.session.id);
    let summary = export_to_path(&game.store, query, format, &path, &mut |_| {})
        .await
        .unwrap();
    (summary, std::fs::read(&path).unwrap())
}

/// The last record is the garbage one.
fn is_garbage(i: usize, records: &[Record]) -> bool {
    i == records.len() - 1
}

#[tokio::test]
async fn legacy_messages_are_text_in_json_lines_and_only_garbage_is_unreadable() {
    let game = record_game().await;
    let (summary, bytes) = export(&game, Format::Jsonl).await;
    assert_eq!(summary.records, game.records.len() as u64);
    assert_eq!(summary.unreadable, 1, "only the garbage");
    let text = String::from_utf8(bytes).unwrap();
    for (i, (line, record)) in text.lines().zip(&game.records).enumerate() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["topic"], record.topic.as_str());
        let payload = String::from_utf8(record.payload.clone()).unwrap();
        if i == 0 {
            assert_eq!(value["message"]["name"], "final", "{line}");
        } else if is_garbage(i, &game.records) {
            assert_eq!(
                value["unreadable"]["payload_utf8"],
                payload.as_str(),
                "{line}"
            );
            assert!(value.get("text").is_none(), "{line}");
        } else {
            assert_eq!(value["message"], Value::Null, "{line}");
            assert_eq!(value["text"], payload.as_str(), "{line}");
            assert!(value.get("unreadable").is_none(), "{line}");
        }
    }
}

#[tokio::test]
async fn legacy_messages_are_text_in_the_csv_payload_column_with_no_problem() {
    let game = record_game().await;
    let (summary, bytes) = export(&game, Format::Csv).await;
    assert_eq!(summary.unreadable, 1);
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.last(), Some(&PAYLOAD_COLUMN));
    let problem = header.iter().position(|c| *c == "problem").unwrap();
    for (i, (line, record)) in lines.zip(&game.records).enumerate().skip(1) {
        let payload = String::from_utf8(record.payload.clone()).unwrap();
        if is_garbage(i, &game.records) {
            // Quoted: it holds a comma and quotes.
            assert!(line.ends_with(r#","DANCE, ""now""""#), "{line}");
            assert!(line.contains("legacy protocol"), "{line}");
            continue;
        }
        // No comma or quote in these: the row splits plainly.
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), header.len(), "{line}");
        assert_eq!(fields[problem], "", "{line}");
        assert_eq!(fields.last(), Some(&payload.as_str()), "{line}");
    }
}

#[tokio::test]
async fn legacy_messages_are_text_messages_in_mcap_and_import_back_byte_for_byte() {
    let game = record_game().await;
    let (summary, bytes) = export(&game, Format::Mcap).await;
    assert_eq!(summary.unreadable, 1);
    let read: Vec<_> = mcap::MessageStream::new(&bytes)
        .unwrap()
        .map(|m| m.unwrap())
        .collect();
    assert_eq!(read.len(), game.records.len());
    for (i, (message, record)) in read.iter().zip(&game.records).enumerate().skip(1) {
        let channel = &message.channel;
        let schema = channel.schema.as_ref().unwrap();
        let data: Value = serde_json::from_slice(&message.data).unwrap();
        if is_garbage(i, &game.records) {
            assert_eq!(schema.name, schema::UNREADABLE_SCHEMA_NAME);
            continue;
        }
        assert_eq!(channel.topic, record.topic);
        assert_eq!(channel.message_encoding, "json");
        assert_eq!(channel.metadata[META_TEXT], "true");
        assert_eq!(schema.name, "fleet.LegacyText");
        let payload = String::from_utf8(record.payload.clone()).unwrap();
        assert_eq!(data, serde_json::json!({ "text": payload }));
    }

    let other = Store::open_in_memory().await.unwrap();
    let imported = import_mcap(&other, Cursor::new(&bytes)).await.unwrap();
    assert_eq!(imported.records, game.records.len() as u64);
    assert_eq!(imported.unreadable, 1);
    let back: Vec<Record> = other
        .session_records(imported.session.id, None, u32::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.record)
        .collect();
    assert_eq!(back, game.records);
}
