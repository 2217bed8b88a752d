//! The writer task: the only consumer of the queue. It tags records with the current session,
//! commits them in batches, and holds them through store failures (retrying with backoff) up
//! to a bound.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use fleet_protocol::Backoff;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tracing::{error, info, warn};

use super::handle::{Msg, RecorderError, Reply};
use super::stats::Counters;
use super::{RecorderConfig, RecorderHandle};
use crate::domain::{Record, SessionId, now_ms};
use crate::store::Store;

/// Starts recording. See the module documentation for the policies.
pub struct Recorder {
    store: Store,
    config: RecorderConfig,
    rx: mpsc::Receiver<Msg>,
    counters: Arc<Counters>,
    session: SessionId,
    /// Whether `session` is the idle session (so stopping is a no-op).
    idle: bool,
    pending: Vec<(SessionId, Record)>,
    /// When the oldest pending row must be written by.
    flush_at: Option<Instant>,
    /// Set while the store is failing: no write is attempted before this instant.
    retry_at: Option<Instant>,
    failures: u32,
    /// Retry delays: `retry_min` doubling on each failure up to `retry_max`.
    backoff: Backoff,
    waiters: Vec<Reply<()>>,
    /// `dropped + lost` already added to a session's `dropped` column.
    drops_booked: u64,
}

impl Recorder {
    /// Closes a session a crash left running, opens the idle session and starts the writer.
    /// Fails when the store cannot be written at all, so a broken database file is reported
    /// at startup.
    ///
    /// The writer gets its own thread with a single-threaded tokio runtime rather than a task
    /// on the caller's runtime: measured with a thousand busy producer tasks, each of the
    /// writer's round trips to SQLite queued behind them and it persisted 5x fewer rows/s.
    /// Callable from any tokio runtime, including an actix System.
    pub async fn spawn(
        store: Store,
        config: RecorderConfig,
    ) -> Result<RecorderHandle, RecorderError> {
        if let Some(interrupted) = store.close_interrupted_session().await? {
            warn!(
                session = %interrupted.id,
                name = %interrupted.name,
                "closed a session left running by an unclean shutdown"
            );
        }
        let session = store
            .start_session(&config.idle_session_name, now_ms())
            .await?;
        let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
        let counters = Arc::new(Counters::new(session.id.0));
        let writer = Recorder {
            store,
            rx,
            counters: Arc::clone(&counters),
            session: session.id,
            idle: true,
            pending: Vec::with_capacity(config.batch_rows),
            flush_at: None,
            retry_at: None,
            failures: 0,
            backoff: Backoff::new(config.retry_min.min(config.retry_max), config.retry_max),
            waiters: Vec::new(),
            drops_booked: 0,
            config,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(RecorderError::Thread)?;
        std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || runtime.block_on(writer.run()))
            .map_err(RecorderError::Thread)?;
        Ok(RecorderHandle::new(tx, counters))
    }

    async fn run(mut self) {
        loop {
            let wake_at = self.retry_at.or(self.flush_at);
            let msg = tokio::select! {
                msg = self.rx.recv() => msg,
                () = sleep_or_never(wake_at) => {
                    self.write_pending().await;
                    continue;
                }
            };
            let Some(msg) = msg else {
                // Every handle is gone: nobody can ask for a shutdown, so do one.
                let _ = self.finish().await;
                return;
            };
            let mut shutdown = self.handle(msg).await;
            // Drain what is already queued before re-arming the timer: at thousands of records
            // a second, one select per record would cost more than the records themselves.
            let mut drained = 0;
            while shutdown.is_none() && drained < self.config.batch_rows {
                let Ok(msg) = self.rx.try_recv() else { break };
                shutdown = self.handle(msg).await;
                drained += 1;
            }
            if let Some(reply) = shutdown {
                let outcome = self.finish().await;
                let _ = reply.send(outcome);
                return;
            }
        }
    }

    /// Returns the reply of a shutdown request, which ends the loop.
    async fn handle(&mut self, msg: Msg) -> Option<Reply<()>> {
        match msg {
            Msg::Record(record) => {
                self.push(record);
                if self.pending.len() >= self.config.batch_rows && self.retry_at.is_none() {
                    self.write_pending().await;
                }
            }
            Msg::Flush(reply) => {
                self.waiters.push(reply);
                if self.retry_at.is_none() {
                    self.write_pending().await;
                }
            }
            Msg::StartSession { name, at_ms, reply } => {
                let started = self.switch_session(&name, at_ms, false).await;
                let _ = reply.send(started);
            }
            Msg::StopSession { at_ms, reply } => {
                let outcome = if self.idle {
                    Ok(self.session)
                } else {
                    let name = self.config.idle_session_name.clone();
                    self.switch_session(&name, at_ms, true).await
                };
                let _ = reply.send(outcome);
            }
            Msg::Shutdown(reply) => return Some(reply),
        }
        None
    }

    fn push(&mut self, record: Record) {
        if self.pending.len() >= self.config.max_pending_rows {
            let lost = self.counters.lost.fetch_add(1, Relaxed) + 1;
            if self.counters.loss_warning.permit() {
                error!(
                    lost_total = lost,
                    held = self.pending.len(),
                    "the store keeps failing and the recorder's buffer is full: discarding records"
                );
            }
            return;
        }
        if self.pending.is_empty() {
            self.flush_at = Some(Instant::now() + self.config.flush_interval);
        }
        self.pending.push((self.session, record));
        self.counters
            .pending
            .store(self.pending.len() as u64, Relaxed);
    }

    async fn switch_session(
        &mut self,
        name: &str,
        at_ms: i64,
        idle: bool,
    ) -> Result<SessionId, RecorderError> {
        // Pending rows keep the session they were tagged with, so no flush is needed first.
        let session = self.store.start_session(name, at_ms).await?;
        self.session = session.id;
        self.idle = idle;
        self.counters.session.store(session.id.0, Relaxed);
        info!(session = %session.id, name, "recording session started");
        Ok(session.id)
    }

    /// One write attempt of everything pending. On failure the rows stay and a retry is
    /// scheduled; on success flush waiters are answered.
    async fn write_pending(&mut self) -> bool {
        if !self.pending.is_empty() {
            let started = Instant::now();
            match self.store.insert_records(&self.pending).await {
                Ok(written) => {
                    let took = started.elapsed();
                    self.counters.written.fetch_add(written, Relaxed);
                    self.counters.batches.fetch_add(1, Relaxed);
                    self.counters.last_flush_at_ms.store(now_ms(), Relaxed);
                    self.counters
                        .last_flush_took_us
                        .store(took.as_micros() as u64, Relaxed);
                    if self.failures > 0 {
                        info!(failures = self.failures, "the store accepts writes again");
                    }
                    self.pending.clear();
                    self.counters.pending.store(0, Relaxed);
                    self.failures = 0;
                    self.backoff.reset();
                    self.retry_at = None;
                    self.flush_at = None;
                }
                Err(e) => {
                    self.counters.write_errors.fetch_add(1, Relaxed);
                    self.failures += 1;
                    let delay = self.backoff.next_delay();
                    self.retry_at = Some(Instant::now() + delay);
                    error!(
                        error = %e,
                        held = self.pending.len(),
                        retry_in_ms = delay.as_millis() as u64,
                        "writing records failed; keeping them to retry"
                    );
                    return false;
                }
            }
        }
        self.flush_at = None;
        self.book_drops().await;
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Ok(()));
        }
        true
    }

    /// Adds records dropped or lost since the last booking to the current session's tally, so
    /// the recording says it has gaps.
    async fn book_drops(&mut self) {
        let total = self.counters.dropped.load(Relaxed) + self.counters.lost.load(Relaxed);
        let new = total - self.drops_booked;
        if new == 0 {
            return;
        }
        match self.store.add_session_drops(self.session, new).await {
            Ok(()) => self.drops_booked = total,
            Err(e) => warn!(error = %e, "could not note dropped records on the session"),
        }
    }

    /// Takes what is still queued, writes it (a bounded number of attempts), stops the session.
    async fn finish(&mut self) -> Result<(), RecorderError> {
        self.rx.close();
        let mut late_shutdowns = Vec::new();
        while let Some(msg) = self.rx.recv().await {
            match msg {
                Msg::Record(record) => self.push(record),
                Msg::Flush(reply) => self.waiters.push(reply),
                Msg::Shutdown(reply) => late_shutdowns.push(reply),
                Msg::StartSession { reply, .. } | Msg::StopSession { reply, .. } => {
                    let _ = reply.send(Err(RecorderError::Stopped));
                }
            }
        }
        let mut attempts = 0;
        while !self.write_pending().await {
            attempts += 1;
            if attempts >= self.config.shutdown_attempts {
                break;
            }
            // The failed attempt scheduled its retry.
            if let Some(at) = self.retry_at {
                sleep_until(at).await;
            }
        }
        let unwritten = self.pending.len() as u64;
        if unwritten > 0 {
            self.counters.lost.fetch_add(unwritten, Relaxed);
            self.counters.pending.store(0, Relaxed);
            self.pending.clear();
            error!(
                lost = unwritten,
                "shutting down with records the store would not take"
            );
            self.book_drops().await;
        }
        if let Err(e) = self.store.stop_session(now_ms()).await {
            warn!(error = %e, "could not stop the recording session at shutdown");
        }
        let outcome = || match unwritten {
            0 => Ok(()),
            rows => Err(RecorderError::Unwritten { rows }),
        };
        for reply in self.waiters.drain(..).chain(late_shutdowns) {
            let _ = reply.send(outcome());
        }
        outcome()
    }
}

async fn sleep_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
