//! The replay loop: reads a session's records a page ahead of the play head (a reader thread,
//! so a page read never delays a publish), waits for each record's due instant on the
//! [`PlayClock`], and hands it to a [`Publish`]er; controls (pause, step, rate, quit) arrive on a
//! channel while it waits.

use std::future::Future;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::{mpsc, watch};

use super::clock::PlayClock;
use super::options::ReplayOptions;
use crate::store::{SessionId, Store, StoreError, StoredRecord, WindowQuery};

/// Rows per page read ahead of the play head.
pub const PAGE_ROWS: u32 = 2_048;
/// Pages held ahead of the play head.
const PAGES_AHEAD: usize = 2;

/// Where replayed records go (an MQTT client; a test's list).
pub trait Publish {
    fn publish(
        &mut self,
        topic: String,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), ReplayError>> + Send;
}

/// What a person (the terminal's keys) or a test asks of a replay while it plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    TogglePause,
    /// Publishes the next record at once and stays (or becomes) paused there.
    Step,
    SetRate(f64),
    /// Doubles / halves the rate.
    Faster,
    Slower,
    Quit,
}

/// Where a replay stands, for a status line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Play head, ms after the session's first record.
    pub position_ms: i64,
    /// Length of the span played, ms.
    pub span_ms: i64,
    pub published: u64,
    pub rate: f64,
    pub paused: bool,
    /// Passes started (more than one with `--loop`).
    pub pass: u32,
}

#[derive(Debug, Error)]
pub enum ReplayError {
    #[error("there is no session {0}")]
    NoSession(SessionId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("publishing failed: {0}")]
    Publish(String),
}

/// How a replay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlaySummary {
    pub published: u64,
    pub passes: u32,
    /// Ended by [`Control::Quit`] rather than by reaching the end.
    pub quit: bool,
}

/// Plays `options` to `publisher` until the end (or forever with `looped`), a quit, or an error.
pub async fn play(
    store: &Store,
    options: &ReplayOptions,
    publisher: &mut impl Publish,
    controls: &mut mpsc::UnboundedReceiver<Control>,
    progress: &watch::Sender<Progress>,
) -> Result<PlaySummary, ReplayError> {
    let summary = store
        .session_summary(options.session)
        .await?
        .ok_or(ReplayError::NoSession(options.session))?;
    let (Some(first), Some(last)) = (summary.first_ms, summary.last_ms) else {
        return Ok(PlaySummary::default());
    };
    let from = first.saturating_add(options.start_ms.max(0));
    let to = match options.end_ms {
        Some(end) => first.saturating_add(end.max(0)).min(last),
        None => last,
    };
    let window = WindowQuery {
        session: options.session,
        robots: options.robots.clone(),
        from_ms: from,
        to_ms: to.saturating_add(1),
        after: None,
        limit: PAGE_ROWS,
    };
    let mut state = Playing {
        clock: PlayClock::new(options.rate, from, Instant::now(), options.paused),
        controls,
        controls_open: true,
        progress,
        first,
        summary: PlaySummary::default(),
    };
    state.progress.send_modify(|p| p.span_ms = to - from);
    loop {
        state.summary.passes += 1;
        let published_before = state.summary.published;
        if !state.pass(store, &window, options, publisher).await? {
            state.summary.quit = true;
            break;
        }
        // Nothing matched the filters: looping would spin.
        if !options.looped || state.summary.published == published_before {
            break;
        }
    }
    Ok(state.summary)
}

struct Playing<'a> {
    clock: PlayClock,
    controls: &'a mut mpsc::UnboundedReceiver<Control>,
    controls_open: bool,
    progress: &'a watch::Sender<Progress>,
    first: i64,
    summary: PlaySummary,
}

/// What to do with the record at the head after waiting.
enum Next {
    Publish,
    Quit,
}

impl Playing<'_> {
    /// One pass over the window; `false` when the replay was quit.
    async fn pass(
        &mut self,
        store: &Store,
        window: &WindowQuery,
        options: &ReplayOptions,
        publisher: &mut impl Publish,
    ) -> Result<bool, ReplayError> {
        let (pages_tx, mut pages) = mpsc::channel(PAGES_AHEAD);
        let reader = spawn_reader(store.clone(), window.clone(), pages_tx);
        let outcome = async {
            let mut first_page = true;
            while let Some(page) = pages.recv().await {
                if std::mem::take(&mut first_page) {
                    // The clock starts once there is something to play: the first read must
                    // not make the first records late and the rest look early.
                    let paused = self.clock.is_paused();
                    self.clock =
                        PlayClock::new(self.clock.rate(), window.from_ms, Instant::now(), paused);
                }
                for stored in page? {
                    let Some(topic) = options.publish_topic(&stored.record) else {
                        continue;
                    };
                    if let Next::Quit = self.wait_for(stored.record.at_ms).await {
                        return Ok(false);
                    }
                    publisher.publish(topic, stored.record.payload).await?;
                    self.summary.published += 1;
                    self.report(stored.record.at_ms);
                }
            }
            Ok(true)
        }
        .await;
        // The reader stops at its next send once `pages` is gone.
        if let Some(task) = reader {
            task.abort();
        }
        outcome
    }

    /// Waits until a record of `at_ms` is due, handling controls meanwhile.
    async fn wait_for(&mut self, at_ms: i64) -> Next {
        loop {
            let control = match self.clock.due(at_ms) {
                Some(when) if when <= Instant::now() => return Next::Publish,
                Some(when) if !self.controls_open => {
                    wait_until(when).await;
                    return Next::Publish;
                }
                Some(when) => tokio::select! {
                    biased;
                    () = wait_until(when) => return Next::Publish,
                    control = self.controls.recv() => control,
                },
                // Paused with nobody left to resume it.
                None if !self.controls_open => return Next::Quit,
                None => self.controls.recv().await,
            };
            let now = Instant::now();
            match control {
                None => self.controls_open = false,
                Some(Control::Quit) => return Next::Quit,
                Some(Control::TogglePause) => self.clock.toggle(now),
                Some(Control::Step) => {
                    self.clock.pause(now);
                    self.clock.jump_to(at_ms, now);
                    return Next::Publish;
                }
                Some(Control::SetRate(rate)) => self.clock.set_rate(rate, now),
                Some(Control::Faster) => self.clock.set_rate(self.clock.rate() * 2.0, now),
                Some(Control::Slower) => self.clock.set_rate(self.clock.rate() / 2.0, now),
            }
            self.report_position(now);
        }
    }

    fn report(&self, at_ms: i64) {
        let (published, pass) = (self.summary.published, self.summary.passes);
        let (rate, paused) = (self.clock.rate(), self.clock.is_paused());
        let position_ms = at_ms - self.first;
        self.progress.send_modify(|p| {
            *p = Progress {
                position_ms,
                published,
                rate,
                paused,
                pass,
                ..*p
            }
        });
    }

    fn report_position(&self, now: Instant) {
        self.report(self.clock.position(now));
    }
}

/// How much of a wait is spent yielding instead of on tokio's timer, which rounds every sleep up
/// to its next millisecond tick: with it, records go out a fraction of a millisecond late on
/// average instead of about one.
const SPIN: Duration = Duration::from_millis(1);

/// Returns at `when`: tokio's timer until shortly before, then yielding to other tasks.
async fn wait_until(when: Instant) {
    if let Some(early) = when.checked_sub(SPIN)
        && early > Instant::now()
    {
        tokio::time::sleep_until(early.into()).await;
    }
    while Instant::now() < when {
        tokio::task::yield_now().await;
    }
}

/// Starts [`read_ahead`] on a thread of its own with its own runtime: collecting a page of rows
/// from sqlx costs milliseconds of CPU, and as a task beside the player it held up publishes
/// (replay_drift bench at 50x: p99 10.9 ms against 1.2 ms for a bare loop). Falls back to a
/// task when no thread can be started. Returns the task in that case.
fn spawn_reader(
    store: Store,
    window: WindowQuery,
    pages: mpsc::Sender<Result<Vec<StoredRecord>, StoreError>>,
) -> Option<tokio::task::JoinHandle<()>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let (store2, window2, pages2) = (store.clone(), window.clone(), pages.clone());
    let started = runtime.map_err(|_| ()).and_then(|runtime| {
        std::thread::Builder::new()
            .name("replay-reader".into())
            .spawn(move || runtime.block_on(read_ahead(store2, window2, pages2)))
            .map_err(|_| ())
    });
    match started {
        Ok(_) => None,
        Err(()) => Some(tokio::spawn(read_ahead(store, window, pages))),
    }
}

/// Sends the window's pages in order until the last one, an error, or the player hangs up.
async fn read_ahead(
    store: Store,
    mut window: WindowQuery,
    pages: mpsc::Sender<Result<Vec<StoredRecord>, StoreError>>,
) {
    loop {
        let page = store.records_in_window(&window).await;
        let next = match &page {
            Ok(records) => window.next(records),
            Err(_) => None,
        };
        if pages.send(page).await.is_err() {
            return;
        }
        match next {
            Some(n) => window = n,
            None => return,
        }
    }
}
