//! Exports of a session recorded by the real recorder into a temporary SQLite file: several
//! robots, telemetry, events, commands (one to the whole fleet), acks, a state change, and
//! optionally payloads that do not decode. This file: the fixture, JSON Lines and CSV; MCAP and
//! the import round trip are in `mcap_tests.rs`.

use std::path::Path;

use fleet_protocol::{
    Ack, Backend, Capability, Command, CommandId, CommandKind, ErrorCode, Event, EventKind,
    LineSensor, Pose, RobotId, RobotMode, Status, Telemetry, encode, topic,
};
use serde_json::Value;

use super::*;
use crate::domain::{Record, RecordKind};
use crate::recorder::{Recorder, RecorderConfig};
use crate::store::{RecordQuery, Store};

/// Each robot's clock runs this far behind the orchestrator's.
pub(super) const CLOCK_SKEW_MS: i64 = 7;
pub(super) const ROBOTS: [&str; 3] = ["tank-1", "tank-2", "tank-3"];

pub(super) struct Recorded {
    /// Keeps the database file alive.
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub session: Session,
    /// What the store holds for the session, in replay order: the truth exports are checked on.
    pub records: Vec<Record>,
}

fn robot(name: &str) -> RobotId {
    RobotId::parse(name).unwrap()
}

fn robot_clock(at_ms: i64) -> u64 {
    (at_ms - CLOCK_SKEW_MS) as u64
}

fn on(robot: &RobotId, kind: RecordKind, topic: String, at_ms: i64, payload: Vec<u8>) -> Record {
    Record {
        robot: Some(robot.clone()),
        kind,
        at_ms,
        topic,
        payload,
    }
}

fn telemetry(robot: &RobotId, seq: u64, at_ms: i64) -> Record {
    let mut t = Telemetry::new(seq, robot_clock(at_ms));
    t.mode = RobotMode::LineFollow;
    t.line.left = seq.is_multiple_of(2);
    t.line.middle = true;
    t.motors.left = 0.5;
    t.motors.right = -0.25;
    t.servos.arm = 45.5;
    t.battery_v = Some(7.75);
    if robot.as_str() == "tank-1" {
        t.pose = Some(Pose {
            x: 1.5,
            y: -0.25,
            heading: 0.125 * seq as f64,
        });
    }
    on(
        robot,
        RecordKind::Telemetry,
        topic::telemetry(robot),
        at_ms,
        encode(&t),
    )
}

fn event(robot: &RobotId, seq: u64, at_ms: i64, kind: EventKind) -> Record {
    let payload = encode(&Event::new(seq, robot_clock(at_ms), kind));
    on(
        robot,
        RecordKind::Event,
        topic::events(robot),
        at_ms,
        payload,
    )
}

/// A session as a class would record it; with `unreadable`, two payloads that do not decode
/// (truncated JSON telemetry, and bytes that are not even UTF-8 on the events topic).
pub(super) async fn record_session(unreadable: bool) -> Recorded {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("fleet.db")).await.unwrap();
    let recorder = Recorder::spawn(store.clone(), RecorderConfig::default())
        .await
        .unwrap();
    let session_id = recorder.start_session("lap race").await.unwrap();
    let mut sent = Vec::new();
    // Receive times: every 10 ms from the session's start.
    let started = store.get_session(session_id).await.unwrap().unwrap();
    let at = std::cell::Cell::new(started.started_at_ms);
    let tick = || {
        at.set(at.get() + 10);
        at.get()
    };
    for name in ROBOTS {
        let id = robot(name);
        let at_ms = tick();
        let capabilities = vec![Capability::Drive, Capability::LineFollow];
        let status = Status::online(
            id.clone(),
            "0.1.0",
            Backend::Sim,
            capabilities,
            robot_clock(at_ms),
        );
        sent.push(on(
            &id,
            RecordKind::Status,
            topic::status(&id),
            at_ms,
            encode(&status),
        ));
    }
    for seq in 0..12u64 {
        for name in ROBOTS {
            sent.push(telemetry(&robot(name), seq, tick()));
        }
    }
    let (t1, t2, t3) = (robot("tank-1"), robot("tank-2"), robot("tank-3"));
    let drive = CommandKind::Drive {
        speed: 0.5,
        turn: -0.25,
    };
    let drive = encode(&Command::new(CommandId::parse("c-1").unwrap(), drive));
    sent.push(on(&t1, RecordKind::Command, topic::cmd(&t1), tick(), drive));
    let at_ms = tick();
    let ack = encode(&Ack::ok(
        CommandId::parse("c-1").unwrap(),
        robot_clock(at_ms),
    ));
    sent.push(on(&t1, RecordKind::Ack, topic::ack(&t1), at_ms, ack));
    let edge = EventKind::LineEdge {
        sensor: LineSensor::Left,
        on_line: false,
        line: Default::default(),
    };
    sent.push(event(&t2, 12, tick(), edge));
    sent.push(event(&t2, 13, tick(), EventKind::LineLost));
    let estop = Command::new(CommandId::parse("c-2").unwrap(), CommandKind::Estop);
    sent.push(Record {
        robot: None,
        kind: RecordKind::Command,
        at_ms: tick(),
        topic: topic::BROADCAST_CMD.to_owned(),
        payload: encode(&estop),
    });
    for id in [&t1, &t2, &t3] {
        sent.push(event(id, 14, tick(), EventKind::Estopped));
    }
    let at_ms = tick();
    let refused = Ack::error(
        CommandId::parse("c-2").unwrap(),
        robot_clock(at_ms),
        ErrorCode::Hardware,
        "servo bus, \"i2c\" timeout",
    );
    sent.push(on(
        &t3,
        RecordKind::Ack,
        topic::ack(&t3),
        at_ms,
        encode(&refused),
    ));
    let state = serde_json::json!({"from": "online", "to": "stale", "reason": "no telemetry"});
    sent.push(on(
        &t3,
        RecordKind::State,
        topic::status(&t3),
        tick(),
        state.to_string().into_bytes(),
    ));
    // The game master's control event: a fleet-wide JSON record of the `game` kind.
    sent.push(Record {
        robot: None,
        kind: RecordKind::Game,
        at_ms: tick(),
        topic: "game/started".to_owned(),
        payload: br#"{"name":"final","phase":"running"}"#.to_vec(),
    });
    if unreadable {
        let truncated = br#"{"v":1,"seq":99,"ts_"#.to_vec();
        sent.push(on(
            &t2,
            RecordKind::Telemetry,
            topic::telemetry(&t2),
            tick(),
            truncated,
        ));
        let garbage = vec![0xff, 0xfe, 0x00, b'{', 0x80];
        sent.push(on(
            &t3,
            RecordKind::Event,
            topic::events(&t3),
            tick(),
            garbage,
        ));
    }
    for record in &sent {
        assert!(recorder.record(record.clone()));
    }
    recorder.stop_session().await.unwrap();
    recorder.flush().await.unwrap();

    let session = store.get_session(session_id).await.unwrap().unwrap();
    let stored = store
        .session_records(session_id, None, u32::MAX)
        .await
        .unwrap();
    let records: Vec<Record> = stored.into_iter().map(|s| s.record).collect();
    assert_eq!(records, sent, "the recorder kept every record, in order");
    Recorded {
        dir,
        store,
        session,
        records,
    }
}

pub(super) async fn export_file(
    recorded: &Recorded,
    format: Format,
    name: &str,
) -> (ExportSummary, Vec<u8>) {
    let path = recorded.dir.path().join(name);
    let query = RecordQuery::session(recorded.session.id);
    let summary = export_to_path(&recorded.store, query, format, &path, &mut |_| {})
        .await
        .unwrap();
    (summary, std::fs::read(&path).unwrap())
}

/// Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes, breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

fn csv_of(path: &Path) -> Vec<Vec<String>> {
    parse_csv(&std::fs::read_to_string(path).unwrap())
}

fn field<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    &row[i]
}

#[tokio::test]
async fn json_lines_hold_one_record_per_line_with_its_decoded_message() {
    let recorded = record_session(false).await;
    let (summary, bytes) = export_file(&recorded, Format::Jsonl, "race.jsonl").await;
    assert_eq!(summary.records, recorded.records.len() as u64);
    assert_eq!(summary.unreadable, 0);
    assert_eq!(summary.by_family["telemetry"], 36);
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), recorded.records.len());
    for (line, record) in lines.iter().zip(&recorded.records) {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["at_ms"], record.at_ms, "{line}");
        assert_eq!(
            value["robot"].as_str(),
            record.robot.as_ref().map(|r| r.as_str())
        );
        assert_eq!(value["family"], record.kind.as_str());
        assert_eq!(value["topic"], record.topic.as_str());
        let message: Value = serde_json::from_slice(&record.payload).unwrap();
        assert_eq!(value["message"], message, "{line}");
        assert!(value.get("unreadable").is_none());
    }
}

#[tokio::test]
async fn a_csv_file_has_flat_columns_and_a_row_that_matches_its_record() {
    let recorded = record_session(false).await;
    let (summary, bytes) = export_file(&recorded, Format::Csv, "race.csv").await;
    let rows = parse_csv(&String::from_utf8(bytes).unwrap());
    let (header, rows) = rows.split_first().unwrap();
    assert_eq!(header[..5], LEADING_COLUMNS.map(String::from));
    assert_eq!(header.last().map(String::as_str), Some(PAYLOAD_COLUMN));
    for column in [
        "line.left",
        "motors.left",
        "motors.right",
        "pose.x",
        "servos.arm",
        "speed",
    ] {
        assert!(header.iter().any(|c| c == column), "{column} in {header:?}");
    }
    assert_eq!(rows.len() as u64, summary.records);
    assert!(rows.iter().all(|r| r.len() == header.len()));

    // The fourth telemetry sample of tank-1 (seq 3: left sensor off), and the refused ack.
    let index = recorded
        .records
        .iter()
        .position(|r| r.kind == RecordKind::Telemetry && r.robot == Some(robot("tank-1")))
        .unwrap()
        + 3 * ROBOTS.len();
    let (record, row) = (&recorded.records[index], &rows[index]);
    let sample: Telemetry = fleet_protocol::decode(&record.payload).unwrap();
    assert_eq!(sample.seq, 3);
    let expect = [
        ("at_ms", record.at_ms.to_string()),
        ("robot", "tank-1".into()),
        ("family", "telemetry".into()),
        ("topic", record.topic.clone()),
        ("problem", String::new()),
        ("seq", "3".into()),
        ("ts_ms", sample.ts_ms.to_string()),
        ("mode", "line_follow".into()),
        ("line.left", "false".into()),
        ("line.middle", "true".into()),
        ("motors.left", "0.5".into()),
        ("motors.right", "-0.25".into()),
        ("servos.arm", "45.5".into()),
        ("battery_v", "7.75".into()),
        ("pose.x", "1.5".into()),
        ("pose.heading", "0.375".into()),
        ("speed", String::new()),
        (PAYLOAD_COLUMN, String::new()),
    ];
    for (column, value) in expect {
        assert_eq!(field(header, row, column), value, "{column}");
    }
    let refused = rows
        .iter()
        .find(|r| field(header, r, "result") == "error")
        .unwrap();
    assert_eq!(
        field(header, refused, "message"),
        "servo bus, \"i2c\" timeout"
    );
    assert_eq!(field(header, refused, "code"), "hardware");
    let fleet_stop = rows
        .iter()
        .find(|r| field(header, r, "topic") == "fleet/cmd")
        .unwrap();
    assert_eq!(field(header, fleet_stop, "robot"), "");
    assert_eq!(field(header, fleet_stop, "kind"), "estop");
}

#[tokio::test]
async fn a_csv_directory_gets_one_file_per_family_with_that_familys_columns() {
    let recorded = record_session(false).await;
    let dir = recorded.dir.path().join("race");
    std::fs::create_dir(&dir).unwrap();
    let query = RecordQuery::session(recorded.session.id);
    let summary = export_to_path(&recorded.store, query, Format::Csv, &dir, &mut |_| {})
        .await
        .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ack.csv",
            "command.csv",
            "event.csv",
            "game.csv",
            "state.csv",
            "status.csv",
            "telemetry.csv"
        ]
    );
    for kind in RecordKind::ALL {
        let rows = csv_of(&CsvDirSink::file_of(&dir, kind));
        let mut expected: Vec<String> = LEADING_COLUMNS.map(String::from).to_vec();
        expected.extend(columns(kind));
        expected.push(PAYLOAD_COLUMN.into());
        assert_eq!(rows[0], expected, "{kind:?}");
        assert_eq!(
            rows.len() as u64 - 1,
            summary.by_family[kind.as_str()],
            "{kind:?}"
        );
    }
    let states = csv_of(&CsvDirSink::file_of(&dir, RecordKind::State));
    assert_eq!(field(&states[0], &states[1], "to"), "stale");
    assert_eq!(field(&states[0], &states[1], "robot"), "tank-3");
}

#[tokio::test]
async fn unreadable_payloads_are_exported_raw_flagged_and_counted_in_every_format() {
    let recorded = record_session(true).await;
    let total = recorded.records.len() as u64;
    for format in Format::ALL {
        let (summary, _) = export_file(&recorded, format, &format!("x.{}", format.as_str())).await;
        assert_eq!(
            (summary.records, summary.unreadable),
            (total, 2),
            "{format:?}"
        );
    }

    let (_, jsonl) = export_file(&recorded, Format::Jsonl, "x.jsonl").await;
    let text = String::from_utf8(jsonl).unwrap();
    let flagged: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("unreadable").is_some())
        .collect();
    assert_eq!(flagged.len(), 2);
    assert!(flagged.iter().all(|v| v["message"].is_null()));
    assert_eq!(
        flagged[0]["unreadable"]["payload_utf8"],
        r#"{"v":1,"seq":99,"ts_"#
    );
    assert_eq!(flagged[1]["unreadable"]["payload_hex"], "fffe007b80");
    assert!(
        flagged[1]["unreadable"]["problem"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );

    let (_, csv) = export_file(&recorded, Format::Csv, "x.csv").await;
    let rows = parse_csv(&String::from_utf8(csv).unwrap());
    let header = &rows[0];
    let flagged: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| !field(header, r, "problem").is_empty())
        .collect();
    assert_eq!(flagged.len(), 2);
    assert_eq!(
        field(header, flagged[0], PAYLOAD_COLUMN),
        r#"{"v":1,"seq":99,"ts_"#
    );
    assert_eq!(
        field(header, flagged[0], "seq"),
        "",
        "no field of a payload that did not decode"
    );
    assert_eq!(field(header, flagged[1], PAYLOAD_COLUMN), "hex:fffe007b80");
}

#[tokio::test]
async fn exporting_a_session_that_does_not_exist_is_a_clear_error() {
    let recorded = record_session(false).await;
    let missing = RecordQuery::session(crate::store::SessionId(999));
    let out = recorded.dir.path().join("none.jsonl");
    let err = export_to_path(&recorded.store, missing, Format::Jsonl, &out, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "there is no session 999");
    assert!(!out.exists());
}
