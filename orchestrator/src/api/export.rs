//! `GET /api/sessions/{id}/export?format=csv|jsonl|mcap&robots=a,b`: the same export as
//! `orchestrator export`, streamed as a download chunk by chunk while it is written, so memory
//! stays flat however long the session.
//!
//! The export's writers are blocking (`std::io::Write`), so each download runs on a thread of
//! its own with a small runtime, and its bytes cross to the response through a bounded channel:
//! a slow client slows the export down instead of filling memory.

use std::io::{BufWriter, Write};
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use fleet_protocol::RobotId;
use futures_util::stream;
use serde::Deserialize;
use tokio::sync::mpsc;
use tracing::warn;

use super::{ApiError, AppState};
use crate::domain::SessionId;
use crate::export::{Format, export_to_writer};
use crate::store::{RecordQuery, Store};

/// Chunks in flight between the export and the response.
const CHUNKS_AHEAD: usize = 8;
const CHUNK_BYTES: usize = 64 << 10;

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    format: String,
    robots: Option<String>,
}

#[get("/sessions/{id}/export")]
pub(super) async fn download(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let session = SessionId(id.into_inner());
    let format = Format::parse(&query.format).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "unknown format {:?} (csv, jsonl or mcap)",
            query.format
        ))
    })?;
    let robots = query
        .robots
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| RobotId::parse(r).map_err(|e| ApiError::BadRequest(format!("robots: {r:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if state.store.get_session(session).await?.is_none() {
        return Err(ApiError::NotFound(format!("there is no session {session}")));
    }
    let query = RecordQuery {
        robots,
        ..RecordQuery::session(session)
    };
    let (tx, rx) = mpsc::channel::<Bytes>(CHUNKS_AHEAD);
    let store = state.store.clone();
    std::thread::Builder::new()
        .name(format!("export-{session}"))
        .spawn(move || run_export(store, query, format, tx))
        .map_err(|e| ApiError::internal(format!("cannot start the export: {e}")))?;
    let body = stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"session-{session}.{}\"",
                format.as_str()
            ),
        ))
        .streaming(body))
}

fn run_export(store: Store, query: RecordQuery, format: Format, tx: mpsc::Sender<Bytes>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            warn!("export: cannot start a runtime: {e}");
            return;
        }
    };
    let session = query.session;
    let out = BufWriter::with_capacity(CHUNK_BYTES, ChannelWriter { tx });
    let outcome = runtime.block_on(export_to_writer(&store, query, format, out, &mut |_| {}));
    // A client that went away ends the export with a broken pipe: not worth a warning.
    if let Err(e) = outcome
        && !e.to_string().contains("download closed")
    {
        warn!(%session, "export download failed: {e}");
    }
}

/// Sends what the export writes to the response, waiting while the client is behind.
struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut chunk = Bytes::copy_from_slice(buf);
        loop {
            // `blocking_send` refuses to run inside a runtime (this thread's runs the export),
            // so a full channel is waited out here, a millisecond at a time.
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(buf.len()),
                Err(mpsc::error::TrySendError::Full(back)) => {
                    chunk = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "download closed by the client",
                    ));
                }
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
