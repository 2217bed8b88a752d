//! Session export (CSV, JSON Lines, MCAP) and MCAP import: the core that the CLI's
//! `export`/`import`, the dashboard's download and retention build on.
//!
//! Records stream from the store a page at a time ([`crate::store::RecordPages`]) through one
//! [`RecordSink`] per format, so memory stays flat however long the session. Each record's
//! payload is decoded once ([`decode_record`]) with the protocol type of its family (the game's
//! legacy records as plain text); a payload that does not decode is still exported, raw and
//! flagged, and counted in [`ExportSummary::unreadable`]: every record of the session is in
//! every export.
//!
//! The sinks write to `std::io::Write`: blocking I/O, meant for a file, stdout or a buffer. An
//! async server should run an export on a blocking thread or hand the sink a writer that sends
//! into a bounded channel.

mod csv;
mod csv_flatten;
mod jsonl;
mod mcap_import;
mod mcap_writer;
mod message;
mod schema;

#[cfg(test)]
mod legacy_tests;
#[cfg(test)]
mod mcap_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use self::csv::{CsvDirSink, CsvFileSink, LEADING_COLUMNS, PAYLOAD_COLUMN};
pub use self::jsonl::JsonLinesSink;
pub use self::mcap_import::{ImportSummary, import_mcap};
pub use self::mcap_writer::{
    META_FAMILY, META_ROBOT, META_TEXT, META_TOPIC, META_UNREADABLE, McapCompression, McapSink,
    SESSION_METADATA,
};
pub use self::message::{Decoded, LegacyText, Unreadable, decode_record};
pub use self::schema::{StateChange, columns, family_schema, schema_name};
use crate::domain::{Record, RecordKind};
use crate::store::{RecordPages, RecordQuery, Session, SessionId, Store, StoreError};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Jsonl,
    Mcap,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Jsonl, Format::Mcap];

    /// The name on the command line, also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Mcap => "mcap",
        }
    }

    pub fn parse(raw: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// The media type of a download.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::Jsonl => "application/jsonl",
            Format::Mcap => "application/octet-stream",
        }
    }
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("there is no session {0}")]
    NoSession(SessionId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("MCAP: {0}")]
    Mcap(#[from] mcap::McapError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a record received at {at_ms} ms (before 1970) cannot be given an MCAP time")]
    TimeOutOfRange { at_ms: i64 },
    #[error("not an MCAP export of this project: {0}")]
    NotAnExport(String),
    #[error("MCAP channel {channel:?}: {problem}")]
    BadChannel { channel: String, problem: String },
    #[error("MCAP message on {topic:?} at {log_time} ns: {problem}")]
    BadMessage {
        topic: String,
        log_time: u64,
        problem: String,
    },
}

/// What went into an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub records: u64,
    /// Records whose payload did not decode: exported raw and flagged.
    pub unreadable: u64,
    /// Records per family (`telemetry`, `event`, ...).
    pub by_family: BTreeMap<&'static str, u64>,
}

/// One export format: takes the records in order, then `finish` completes the output.
pub trait RecordSink {
    fn write(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError>;
    fn finish(&mut self) -> Result<(), ExportError>;
}

/// Feeds every record of `pages` to `sink` and finishes it. `progress` is called after each
/// page with the running totals (a progress bar).
///
/// Pages are read in line, one after the other: the export bench measured a reader task
/// paging ahead over a channel at 2.5x the CPU time of this loop (task hand-offs and
/// wake-ups on every page), and SQLite already steps the query on its own worker thread.
pub async fn write_records(
    mut pages: RecordPages,
    sink: &mut (dyn RecordSink + Send),
    progress: &mut (dyn FnMut(&ExportSummary) + Send),
) -> Result<ExportSummary, ExportError> {
    let mut summary = ExportSummary::default();
    // Counted per family in an array and folded into the map once per page.
    let mut by_kind = [0u64; RecordKind::ALL.len()];
    while let Some(page) = pages.next_page().await? {
        for stored in &page {
            let decoded = decode_record(&stored.record);
            summary.unreadable += u64::from(!decoded.is_message());
            if let Some(n) = RecordKind::ALL
                .iter()
                .position(|k| *k == stored.record.kind)
            {
                by_kind[n] += 1;
            }
            sink.write(&stored.record, &decoded)?;
        }
        summary.records += page.len() as u64;
        for (kind, n) in RecordKind::ALL.iter().zip(&mut by_kind) {
            if *n > 0 {
                *summary.by_family.entry(kind.as_str()).or_default() += std::mem::take(n);
            }
        }
        progress(&summary);
    }
    sink.finish()?;
    Ok(summary)
}

async fn session_of(store: &Store, query: &RecordQuery) -> Result<Session, ExportError> {
    store
        .get_session(query.session)
        .await?
        .ok_or(ExportError::NoSession(query.session))
}

/// Exports to a file, or for CSV to a directory (one file per family) when `out` is an
/// existing directory.
pub async fn export_to_path(
    store: &Store,
    query: RecordQuery,
    format: Format,
    out: &Path,
    progress: &mut (dyn FnMut(&ExportSummary) + Send),
) -> Result<ExportSummary, ExportError> {
    let session = session_of(store, &query).await?;
    if format == Format::Csv && out.is_dir() {
        let mut sink = CsvDirSink::new(out)?;
        let pages = store.record_pages(query).await?;
        return write_records(pages, &mut sink, progress).await;
    }
    let file = File::create(out).map_err(|source| ExportError::File {
        path: out.to_owned(),
        source,
    })?;
    let pages = store.record_pages(query).await?;
    let summary = match format {
        Format::Csv => write_records(pages, &mut CsvFileSink::new(file)?, progress).await?,
        Format::Jsonl => write_records(pages, &mut JsonLinesSink::new(file), progress).await?,
        Format::Mcap => {
            let mut sink = McapSink::new(BufWriter::with_capacity(1 << 16, file), &session)?;
            let summary = write_records(pages, &mut sink, progress).await?;
            sink.into_inner()?.flush()?;
            summary
        }
    };
    Ok(summary)
}

/// Exports to a stream that cannot seek (stdout, an HTTP body); MCAP buffers one chunk.
pub async fn export_to_writer<W: Write + Send>(
    store: &Store,
    query: RecordQuery,
    format: Format,
    out: W,
    progress: &mut (dyn FnMut(&ExportSummary) + Send),
) -> Result<ExportSummary, ExportError> {
    let session = session_of(store, &query).await?;
    let pages = store.record_pages(query).await?;
    match format {
        Format::Csv => write_records(pages, &mut CsvFileSink::new(out)?, progress).await,
        Format::Jsonl => write_records(pages, &mut JsonLinesSink::new(out), progress).await,
        Format::Mcap => {
            let mut sink = McapSink::streaming(out, &session)?;
            let summary = write_records(pages, &mut sink, progress).await?;
            sink.into_inner()?.into_inner().flush()?;
            Ok(summary)
        }
    }
}
