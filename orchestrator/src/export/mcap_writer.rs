//! MCAP, as Foxglove, Lichtblick and PlotJuggler open it: zstd chunks, one `jsonschema` schema
//! per message family, one `json` channel per robot, topic and family, log time = receive time,
//! publish time = the robot's own clock when the message carries one (else the receive time).
//!
//! What the file holds beyond the messages, so [`super::import`] can rebuild the session:
//! - a metadata record [`SESSION_METADATA`] with the session's id, name, times and drops;
//! - on each channel the metadata `family`, `topic` (as recorded) and `robot` (absent for
//!   fleet-wide records). A `state` record, filed under its robot's status topic, gets the
//!   channel `<topic>#state`, so a status and a derived state never share a channel name;
//! - an unreadable payload goes to the channel `<channel>#unreadable` (metadata
//!   `unreadable=true`) as an [`Unreadable`] JSON wrapper holding its exact bytes;
//! - a legacy game message (plain text) goes to its topic's channel with the schema
//!   `fleet.LegacyText` (metadata `text=true`) as `{"text":"SHOT_BY 0xf1..."}`.

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, Write};

use fleet_protocol::RobotId;
use mcap::records::{MessageHeader, Metadata};
use mcap::write::NoSeek;
use mcap::{Compression, WriteOptions, Writer};

use super::message::{Decoded, LegacyText, Unreadable};
use super::{ExportError, RecordSink, schema};
use crate::domain::{Record, RecordKind};
use crate::store::Session;

/// Name of the metadata record that describes the exported session.
pub const SESSION_METADATA: &str = "fleet.session";
/// Channel metadata keys.
pub const META_FAMILY: &str = "family";
pub const META_TOPIC: &str = "topic";
pub const META_ROBOT: &str = "robot";
pub const META_UNREADABLE: &str = "unreadable";
pub const META_TEXT: &str = "text";

const NS_PER_MS: u64 = 1_000_000;

/// How chunks are compressed. The default is what exports use; the export bench compares it
/// with zstd's own default level and with compression in line. Measured there (2.16 M
/// telemetry records, 2 cores shared with other builds, two runs): level 1 61 MB in 9.97 s /
/// 9.06 s, level 3 58 MB in 10.88 s / 8.06 s; on 2 worker threads 8.43 s / 9.06 s, in line
/// 9.97 s / 9.18 s. The differences are within the run-to-run noise: no level or thread count
/// is measurably faster here, so these are the lighter settings, not a measured optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McapCompression {
    /// zstd level: 1 is the fastest positive level, 3 zstd's (and the `mcap` crate's) default.
    pub zstd_level: u32,
    /// zstd worker threads; 0 compresses on the exporting thread.
    pub threads: u32,
}

impl Default for McapCompression {
    fn default() -> Self {
        Self {
            zstd_level: 1,
            threads: 2,
        }
    }
}

/// How a channel's messages are written: as recorded, as text, or wrapped unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Message,
    Text,
    Unreadable,
}

/// Which schema a message is written with: its family's, or one of the two wrappers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SchemaKey {
    Family(RecordKind),
    Text,
    Unreadable,
}

struct Channel {
    robot: Option<RobotId>,
    kind: RecordKind,
    wrap: Wrap,
    id: u16,
    sequence: u32,
}

pub struct McapSink<W: Write + Seek> {
    writer: Writer<W>,
    schemas: HashMap<SchemaKey, u16>,
    /// Channels by recorded topic; a topic has one to a few (families, unreadable).
    channels: HashMap<String, Vec<Channel>>,
}

fn options(compression: McapCompression) -> WriteOptions {
    WriteOptions::new()
        .compression(Some(Compression::Zstd))
        .compression_level(compression.zstd_level)
        .compression_threads(compression.threads)
        .library(concat!("fleet orchestrator ", env!("CARGO_PKG_VERSION")))
}

impl<W: Write + Seek> McapSink<W> {
    /// Writes to a seekable destination (a file); `session` fills the session metadata.
    pub fn new(out: W, session: &Session) -> Result<Self, ExportError> {
        Self::with_compression(out, session, McapCompression::default())
    }

    /// [`McapSink::new`] with another compression (the export bench's comparisons).
    pub fn with_compression(
        out: W,
        session: &Session,
        compression: McapCompression,
    ) -> Result<Self, ExportError> {
        Self::with_options(out, options(compression), session)
    }

    fn with_options(out: W, options: WriteOptions, session: &Session) -> Result<Self, ExportError> {
        let mut writer = options.create(out)?;
        writer.write_metadata(&session_metadata(session))?;
        Ok(Self {
            writer,
            schemas: HashMap::new(),
            channels: HashMap::new(),
        })
    }

    /// The id of the schema for `kind` as `wrap` writes it, added on first use.
    fn schema_id(&mut self, kind: RecordKind, wrap: Wrap) -> Result<u16, ExportError> {
        let key = match wrap {
            Wrap::Message => SchemaKey::Family(kind),
            Wrap::Text => SchemaKey::Text,
            Wrap::Unreadable => SchemaKey::Unreadable,
        };
        if let Some(id) = self.schemas.get(&key) {
            return Ok(*id);
        }
        let (name, json) = match key {
            SchemaKey::Family(kind) => (schema::schema_name(kind), schema::family_schema(kind)),
            SchemaKey::Text => (schema::TEXT_SCHEMA_NAME, schema::text_schema()),
            SchemaKey::Unreadable => (schema::UNREADABLE_SCHEMA_NAME, schema::unreadable_schema()),
        };
        let data = serde_json::to_vec(&json)?;
        let id = self.writer.add_schema(name, "jsonschema", &data)?;
        self.schemas.insert(key, id);
        Ok(id)
    }

    /// The channel of `record` and the next sequence number on it.
    fn channel(&mut self, record: &Record, wrap: Wrap) -> Result<(u16, u32), ExportError> {
        let matches =
            |c: &Channel| c.kind == record.kind && c.wrap == wrap && c.robot == record.robot;
        if let Some(channel) = self
            .channels
            .get_mut(record.topic.as_str())
            .and_then(|list| list.iter_mut().find(|c| matches(c)))
        {
            channel.sequence = channel.sequence.wrapping_add(1);
            return Ok((channel.id, channel.sequence));
        }
        let schema_id = self.schema_id(record.kind, wrap)?;
        let mut name = record.topic.clone();
        if record.kind == RecordKind::State {
            name.push_str("#state");
        }
        let mut metadata = BTreeMap::from([
            (META_FAMILY.to_owned(), record.kind.as_str().to_owned()),
            (META_TOPIC.to_owned(), record.topic.clone()),
        ]);
        if let Some(robot) = &record.robot {
            metadata.insert(META_ROBOT.to_owned(), robot.as_str().to_owned());
        }
        match wrap {
            Wrap::Message => {}
            Wrap::Text => {
                metadata.insert(META_TEXT.to_owned(), "true".to_owned());
            }
            Wrap::Unreadable => {
                name.push_str("#unreadable");
                metadata.insert(META_UNREADABLE.to_owned(), "true".to_owned());
            }
        }
        let id = self
            .writer
            .add_channel(schema_id, &name, "json", &metadata)?;
        self.channels
            .entry(record.topic.clone())
            .or_default()
            .push(Channel {
                robot: record.robot.clone(),
                kind: record.kind,
                wrap,
                id,
                sequence: 1,
            });
        Ok((id, 1))
    }

    /// Writes the summary and the footer, and gives the destination back.
    pub fn into_inner(mut self) -> Result<W, ExportError> {
        self.writer.finish()?;
        Ok(self.writer.into_inner())
    }
}

impl<W: Write> McapSink<NoSeek<W>> {
    /// Writes to a destination that cannot seek (an HTTP response, a pipe): each chunk is
    /// buffered in memory (1 MiB) before it is written.
    pub fn streaming(out: W, session: &Session) -> Result<Self, ExportError> {
        let options = options(McapCompression::default()).disable_seeking(true);
        Self::with_options(NoSeek::new(out), options, session)
    }
}

impl<W: Write + Seek> RecordSink for McapSink<W> {
    fn write(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError> {
        let log_time = u64::try_from(record.at_ms)
            .ok()
            .and_then(|ms| ms.checked_mul(NS_PER_MS))
            .ok_or(ExportError::TimeOutOfRange {
                at_ms: record.at_ms,
            })?;
        match decoded {
            Decoded::Message { robot_ms } => {
                let (channel_id, sequence) = self.channel(record, Wrap::Message)?;
                let publish_time = robot_ms.map_or(log_time, |ms| ms.saturating_mul(NS_PER_MS));
                let header = MessageHeader {
                    channel_id,
                    sequence,
                    log_time,
                    publish_time,
                };
                self.writer
                    .write_to_known_channel(&header, &record.payload)?;
            }
            Decoded::Text => {
                let (channel_id, sequence) = self.channel(record, Wrap::Text)?;
                let data = serde_json::to_vec(&LegacyText::new(&record.payload))?;
                let header = MessageHeader {
                    channel_id,
                    sequence,
                    log_time,
                    publish_time: log_time,
                };
                self.writer.write_to_known_channel(&header, &data)?;
            }
            Decoded::Unreadable { problem } => {
                let (channel_id, sequence) = self.channel(record, Wrap::Unreadable)?;
                let data = serde_json::to_vec(&Unreadable::new(problem, &record.payload))?;
                let header = MessageHeader {
                    channel_id,
                    sequence,
                    log_time,
                    publish_time: log_time,
                };
                self.writer.write_to_known_channel(&header, &data)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.writer.finish()?;
        Ok(())
    }
}

fn session_metadata(session: &Session) -> Metadata {
    let mut metadata = BTreeMap::from([
        ("id".to_owned(), session.id.to_string()),
        ("name".to_owned(), session.name.clone()),
        (
            "started_at_ms".to_owned(),
            session.started_at_ms.to_string(),
        ),
        ("dropped".to_owned(), session.dropped.to_string()),
    ]);
    if let Some(stopped) = session.stopped_at_ms {
        metadata.insert("stopped_at_ms".to_owned(), stopped.to_string());
    }
    Metadata {
        name: SESSION_METADATA.to_owned(),
        metadata,
    }
}
