//! The actors' side of the recorder: a cheap, cloneable handle whose `record` never waits.
//! Session changes, flushes and shutdown travel through the same queue as the records, so
//! they take effect exactly between the records sent before and after them.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::stats::{Counters, RecorderStats};
use crate::domain::{Record, SessionId, now_ms};
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum RecorderError {
    #[error("the recorder has stopped")]
    Stopped,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{rows} accepted records were not written before shutdown: the store kept failing")]
    Unwritten { rows: u64 },
    #[error("cannot start the recorder's writer thread: {0}")]
    Thread(#[source] std::io::Error),
}

pub(super) type Reply<T> = oneshot::Sender<Result<T, RecorderError>>;

pub(super) enum Msg {
    Record(Record),
    StartSession {
        name: String,
        at_ms: i64,
        reply: Reply<SessionId>,
    },
    StopSession {
        at_ms: i64,
        reply: Reply<SessionId>,
    },
    Flush(Reply<()>),
    Shutdown(Reply<()>),
}

/// Cheap to clone; every clone feeds the same writer task.
#[derive(Debug, Clone)]
pub struct RecorderHandle {
    tx: mpsc::Sender<Msg>,
    counters: Arc<Counters>,
}

impl RecorderHandle {
    pub(super) fn new(tx: mpsc::Sender<Msg>, counters: Arc<Counters>) -> Self {
        Self { tx, counters }
    }

    /// Queues a record without waiting. When the queue is full (or the recorder has stopped)
    /// the record is dropped, counted in `stats().dropped` and reported by a warning at most
    /// once a second. Returns whether the record was accepted.
    pub fn record(&self, record: Record) -> bool {
        self.counters.received.fetch_add(1, Relaxed);
        let Err(refused) = self.tx.try_send(Msg::Record(record)) else {
            return true;
        };
        let dropped = self.counters.dropped.fetch_add(1, Relaxed) + 1;
        if self.counters.drop_warning.permit() {
            let why = match refused {
                mpsc::error::TrySendError::Full(_) => "the recorder cannot keep up",
                mpsc::error::TrySendError::Closed(_) => "the recorder has stopped",
            };
            warn!(dropped_total = dropped, "dropping records: {why}");
        }
        false
    }

    /// Starts a named session now: records sent after this call belong to it, records sent
    /// before to the previous one (which is stopped).
    pub async fn start_session(&self, name: &str) -> Result<SessionId, RecorderError> {
        let at_ms = now_ms();
        let name = name.to_owned();
        self.ask(|reply| Msg::StartSession { name, at_ms, reply })
            .await
    }

    /// Stops the named session now; records then go to a fresh idle session, whose id is
    /// returned. A no-op (returning the current id) when the idle session is already running.
    pub async fn stop_session(&self) -> Result<SessionId, RecorderError> {
        let at_ms = now_ms();
        self.ask(|reply| Msg::StopSession { at_ms, reply }).await
    }

    /// Waits until every record accepted before this call is committed. While the store is
    /// failing this waits for it to recover: wrap it in a timeout where that matters.
    pub async fn flush(&self) -> Result<(), RecorderError> {
        self.ask(Msg::Flush).await
    }

    /// Writes what is queued, stops the session and ends the writer task. Records offered
    /// afterwards are dropped and counted. `Err(Unwritten)` says how many were lost.
    pub async fn shutdown(&self) -> Result<(), RecorderError> {
        self.ask(Msg::Shutdown).await
    }

    pub fn stats(&self) -> RecorderStats {
        self.counters.snapshot()
    }

    /// The session that records offered now will be stored under (once queued ones are
    /// processed).
    pub fn current_session(&self) -> SessionId {
        SessionId(self.counters.session.load(Relaxed))
    }

    /// Control messages wait for room in the queue (unlike records): they are rare and their
    /// callers want an answer.
    async fn ask<T>(&self, msg: impl FnOnce(Reply<T>) -> Msg) -> Result<T, RecorderError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(msg(reply))
            .await
            .map_err(|_| RecorderError::Stopped)?;
        answer.await.map_err(|_| RecorderError::Stopped)?
    }
}
