//! MCAP import: reads an MCAP file this project wrote ([`super::McapSink`]) back into a new,
//! stopped session, streaming (memory stays flat however long the file). Export, import and
//! export again gives the same messages: receive times, robots, topics, families and payload
//! bytes, unreadable ones included.

use std::collections::HashMap;
use std::io::{ErrorKind, Read};

use fleet_protocol::RobotId;
use mcap::records::{Metadata, Record as McapRecord};
use mcap::sans_io::{LinearReadEvent, LinearReader, LinearReaderOptions};

use super::ExportError;
use super::mcap_writer::{
    META_FAMILY, META_ROBOT, META_TEXT, META_TOPIC, META_UNREADABLE, SESSION_METADATA,
};
use super::message::{LegacyText, Unreadable};
use crate::domain::{Record, RecordKind};
use crate::store::{ImportedSession, Session, Store};

/// Rows per store transaction, as the recorder commits them.
const BATCH_ROWS: usize = 2_000;
/// Refuses records larger than this (a payload is at most 16 KiB; chunks are ~1 MiB).
const RECORD_LIMIT: usize = 64 << 20;
const NS_PER_MS: u64 = 1_000_000;

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub session: Session,
    pub records: u64,
    /// Records that were exported as unreadable and are stored raw again.
    pub unreadable: u64,
}

/// Reads `source` (an MCAP file) into a new session of `store`. On any error the partly
/// imported session is removed again, so an import is all or nothing.
pub async fn import_mcap<R: Read>(store: &Store, source: R) -> Result<ImportSummary, ExportError> {
    let mut file = McapRecords::new(source);
    let described = match file.next()? {
        Some(Item::Session(session)) => session,
        // Records cannot come first (see `McapRecords::next`): only an empty file gets here.
        Some(Item::Record { .. }) | None => {
            return Err(ExportError::NotAnExport(format!(
                "no {SESSION_METADATA:?} metadata"
            )));
        }
    };
    let session = store.insert_imported_session(&described.session).await?;
    match copy_records(store, &mut file, &session, described.open).await {
        Ok((records, unreadable)) => Ok(ImportSummary {
            session: store.get_session(session.id).await?.unwrap_or(session),
            records,
            unreadable,
        }),
        Err(e) => {
            store.discard_imported_session(session.id).await?;
            Err(e)
        }
    }
}

async fn copy_records<R: Read>(
    store: &Store,
    file: &mut McapRecords<R>,
    session: &Session,
    open: bool,
) -> Result<(u64, u64), ExportError> {
    let (mut records, mut unreadable) = (0u64, 0u64);
    let mut last_at_ms = session.started_at_ms;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    loop {
        let end = match file.next()? {
            Some(Item::Record {
                record,
                unreadable: flagged,
            }) => {
                unreadable += u64::from(flagged);
                last_at_ms = last_at_ms.max(record.at_ms);
                batch.push((session.id, record));
                false
            }
            Some(Item::Session(_)) => {
                return Err(ExportError::NotAnExport(
                    "more than one session in the file".into(),
                ));
            }
            None => true,
        };
        if end || batch.len() >= BATCH_ROWS {
            records += store.insert_records(&batch).await?;
            batch.clear();
        }
        if end {
            break;
        }
    }
    if open {
        // Exported while it ran: it ends with its last record.
        store.close_imported_session(session.id, last_at_ms).await?;
    }
    Ok((records, unreadable))
}

struct DescribedSession {
    session: ImportedSession,
    /// The session was still running when exported (no stop time).
    open: bool,
}

enum Item {
    Session(DescribedSession),
    Record { record: Record, unreadable: bool },
}

/// What a channel's metadata says its messages are.
struct ChannelInfo {
    robot: Option<RobotId>,
    kind: RecordKind,
    topic: String,
    unreadable: bool,
    /// Legacy game text, as `{"text": ...}`.
    text: bool,
}

/// The file's session metadata and records, in file order.
struct McapRecords<R> {
    source: R,
    reader: LinearReader,
    channels: HashMap<u16, ChannelInfo>,
    /// The session metadata came: the exporter writes it before any channel.
    described: bool,
    done: bool,
}

impl<R: Read> McapRecords<R> {
    fn new(source: R) -> Self {
        let options = LinearReaderOptions::default()
            .with_validate_chunk_crcs(true)
            .with_record_length_limit(RECORD_LIMIT);
        Self {
            source,
            reader: LinearReader::new_with_options(options),
            channels: HashMap::new(),
            described: false,
            done: false,
        }
    }

    fn next(&mut self) -> Result<Option<Item>, ExportError> {
        while !self.done {
            let Some(event) = self.reader.next_event() else {
                self.done = true;
                break;
            };
            let (opcode, data) = match event? {
                LinearReadEvent::ReadRequest(need) => {
                    let read = loop {
                        match self.source.read(self.reader.insert(need)) {
                            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                            other => break other?,
                        }
                    };
                    self.reader.notify_read(read);
                    continue;
                }
                LinearReadEvent::Record { opcode, data } => (opcode, data),
            };
            let record = mcap::parse_record(opcode, data)?;
            if !self.described
                && matches!(record, McapRecord::Channel(_) | McapRecord::Message { .. })
            {
                return Err(ExportError::NotAnExport(format!(
                    "no {SESSION_METADATA:?} metadata before the first channel"
                )));
            }
            match record {
                McapRecord::Metadata(metadata) if metadata.name == SESSION_METADATA => {
                    self.described = true;
                    return described_session(&metadata).map(|s| Some(Item::Session(s)));
                }
                McapRecord::Channel(channel) => {
                    let info = channel_info(&channel.metadata).map_err(|problem| {
                        ExportError::BadChannel {
                            channel: channel.topic.clone(),
                            problem,
                        }
                    })?;
                    self.channels.insert(channel.id, info);
                }
                McapRecord::Message { header, data } => {
                    let info = self.channels.get(&header.channel_id).ok_or_else(|| {
                        ExportError::NotAnExport(format!(
                            "a message on channel {} that no channel record declares",
                            header.channel_id
                        ))
                    })?;
                    return record_of(info, header.log_time, &data).map(Some);
                }
                // The messages all come before the summary, which repeats what was read.
                McapRecord::DataEnd(_) => self.done = true,
                _ => {}
            }
        }
        Ok(None)
    }
}

fn record_of(info: &ChannelInfo, log_time: u64, data: &[u8]) -> Result<Item, ExportError> {
    let bad = |problem: String| ExportError::BadMessage {
        topic: info.topic.clone(),
        log_time,
        problem,
    };
    let at_ms = i64::try_from(log_time / NS_PER_MS).map_err(|e| bad(e.to_string()))?;
    let payload = if info.unreadable {
        let wrapped: Unreadable = serde_json::from_slice(data).map_err(|e| bad(e.to_string()))?;
        wrapped.payload().map_err(bad)?
    } else if info.text {
        let wrapped: LegacyText = serde_json::from_slice(data).map_err(|e| bad(e.to_string()))?;
        wrapped.text.into_bytes()
    } else {
        data.to_vec()
    };
    Ok(Item::Record {
        record: Record {
            robot: info.robot.clone(),
            kind: info.kind,
            at_ms,
            topic: info.topic.clone(),
            payload,
        },
        unreadable: info.unreadable,
    })
}

fn channel_info(
    metadata: &std::collections::BTreeMap<String, String>,
) -> Result<ChannelInfo, String> {
    let get = |key: &str| {
        metadata
            .get(key)
            .ok_or_else(|| format!("no {key:?} in the channel metadata"))
    };
    let family = get(META_FAMILY)?;
    let kind = RecordKind::parse(family).ok_or_else(|| format!("unknown family {family:?}"))?;
    let robot = match metadata.get(META_ROBOT) {
        Some(raw) => Some(RobotId::parse(raw).map_err(|e| e.to_string())?),
        None => None,
    };
    Ok(ChannelInfo {
        robot,
        kind,
        topic: get(META_TOPIC)?.clone(),
        unreadable: metadata.get(META_UNREADABLE).is_some_and(|v| v == "true"),
        text: metadata.get(META_TEXT).is_some_and(|v| v == "true"),
    })
}

fn described_session(metadata: &Metadata) -> Result<DescribedSession, ExportError> {
    let fields = &metadata.metadata;
    let bad = |problem: String| ExportError::NotAnExport(format!("session metadata: {problem}"));
    let number = |key: &str| -> Result<Option<i64>, ExportError> {
        fields
            .get(key)
            .map(|raw| raw.parse::<i64>().map_err(|e| bad(format!("{key}: {e}"))))
            .transpose()
    };
    let name = fields
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("no name".into()))?;
    let started_at_ms = number("started_at_ms")?.ok_or_else(|| bad("no started_at_ms".into()))?;
    let stopped_at_ms = number("stopped_at_ms")?;
    Ok(DescribedSession {
        session: ImportedSession {
            name: name.clone(),
            started_at_ms,
            stopped_at_ms: stopped_at_ms.unwrap_or(started_at_ms),
            dropped: number("dropped")?.unwrap_or(0),
        },
        open: stopped_at_ms.is_none(),
    })
}
