//! `orchestrator replay SESSION`: re-publishes a recorded session to an MQTT broker with its
//! original timing, read straight from the database file (read-only; a server writing it is
//! never held up). Under `replay/` by default, so no robot and no orchestrator takes it for
//! live traffic; `--live` publishes on the recorded topics and needs the teacher's token.
//!
//! In a terminal: space pauses and resumes, right arrow steps one record, up/down double or
//! halve the rate, q / Esc / Ctrl-C quit (raw mode, restored on every way out as the terminal
//! remote does).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use fleet_protocol::BrokerAddress;
use tokio::sync::{mpsc, watch};

use super::export::parse_robots;
use crate::instance::{InstanceFiles, read_token_file};
use crate::replay::{Control, MqttPublisher, Progress, ReplayOptions, Target, play};
use crate::store::{SessionId, Store};

#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The session's id (`orchestrator sessions list`).
    pub session: i64,
    /// Playback rate: 2 plays twice as fast, 0.5 at half speed.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Start this far into the session: `90s`, `1m30s`, `1500ms`, `2h`.
    #[arg(long, value_parser = parse_offset, default_value = "0s")]
    pub start: i64,
    /// Stop this far into the session (same units as --start).
    #[arg(long, value_parser = parse_offset)]
    pub end: Option<i64>,
    /// Only these robots (comma-separated), plus the fleet-wide records.
    #[arg(long, value_delimiter = ',')]
    pub robots: Vec<String>,
    /// Only topics matching these MQTT filters (comma-separated, on the recorded topic:
    /// `robots/+/telemetry,fleet/#`).
    #[arg(long, value_delimiter = ',')]
    pub topics: Vec<String>,
    /// Start again from the beginning at the end, until quit.
    #[arg(long = "loop")]
    pub looped: bool,
    /// Start paused (space starts, right arrow steps).
    #[arg(long)]
    pub paused: bool,
    /// Publish on the recorded topics themselves instead of under `replay/`: robots obey the
    /// recorded commands and a running orchestrator sees the messages as live. Needs the
    /// teacher's token (--token, or the token file beside --db).
    #[arg(long)]
    pub live: bool,
    /// The broker to publish to: mqtt://[user:pass@]host:port
    #[arg(
        long,
        env = "ORCHESTRATOR_BROKER",
        default_value = "mqtt://127.0.0.1:1883"
    )]
    pub broker: String,
    /// The database file (read only; a server may be writing it).
    #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
    pub db: PathBuf,
    /// The teacher's token, for --live.
    #[arg(long, env = "ORCHESTRATOR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// `90s`, `1m30s`, `1500ms`, `2h`, or plain seconds (`12.5`), as milliseconds.
pub fn parse_offset(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<f64>() {
        return seconds_to_ms(seconds, raw);
    }
    let (mut total, mut number) = (0.0f64, String::new());
    let mut chars = raw.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3_600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return Err(format!("{raw:?}: unknown unit {c:?} (use h, m, s or ms)")),
        };
        let n: f64 = number
            .parse()
            .map_err(|_| format!("{raw:?}: a number must come before each unit"))?;
        total += n * unit;
        number.clear();
        any = true;
    }
    if !any || !number.is_empty() {
        return Err(format!(
            "{raw:?}: expected a time like 90s, 1m30s or 1500ms"
        ));
    }
    seconds_to_ms(total, raw)
}

fn seconds_to_ms(seconds: f64, raw: &str) -> Result<i64, String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("{raw:?}: a time offset cannot be negative"));
    }
    Ok((seconds * 1_000.0).round() as i64)
}

pub fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let broker = BrokerAddress::parse(&args.broker).context("bad --broker")?;
    if args.live {
        check_teacher(&args)?;
    }
    let options = ReplayOptions {
        session: SessionId(args.session),
        rate: args.rate,
        start_ms: args.start,
        end_ms: args.end,
        robots: parse_robots(&args.robots)?,
        topics: args
            .topics
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        looped: args.looped,
        paused: args.paused,
        target: if args.live {
            Target::Live
        } else {
            Target::Replay
        },
    };
    // Two workers: the play loop's timer and the MQTT client's socket never wait on each other.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let (controls_tx, mut controls) = mpsc::unbounded_channel();
    let (progress_tx, progress) = watch::channel(Progress::default());
    let keys = interactive.then(|| KeyReader::start(controls_tx.clone(), progress.clone()));
    let result = runtime.block_on(async {
        let store = Store::open_read_only(&args.db)
            .await
            .with_context(|| format!("opening {}", args.db.display()))?;
        let mut publisher = MqttPublisher::connect(&broker).await?;
        let played = play(
            &store,
            &options,
            &mut publisher,
            &mut controls,
            &progress_tx,
        )
        .await;
        publisher.finish().await;
        store.close().await;
        Ok::<_, anyhow::Error>(played?)
    });
    drop(keys);
    // Keeps the channel open until the end when nobody reads keys (a script, a test).
    drop(controls_tx);
    let summary = result.with_context(|| format!("replaying session {}", args.session))?;
    let target = match options.target {
        Target::Replay => "under replay/",
        Target::Live => "on the live topics",
    };
    eprintln!(
        "session {}: {} messages published {target}{}{}",
        args.session,
        summary.published,
        if summary.passes > 1 {
            format!(" over {} passes", summary.passes)
        } else {
            String::new()
        },
        if summary.quit { " (quit)" } else { "" }
    );
    Ok(())
}

/// `--live` drives real robots: only with the teacher's token, as the server's API asks it.
fn check_teacher(args: &ReplayArgs) -> anyhow::Result<()> {
    let file = InstanceFiles::beside(&args.db).token;
    let teacher = read_token_file(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .with_context(|| {
            format!(
                "--live needs the teacher's token, and there is no {} beside the database",
                file.display()
            )
        })?;
    match args.token.as_deref().map(str::trim) {
        Some(token) if token == teacher => Ok(()),
        Some(_) => bail!("--live: that token is not the teacher's"),
        // The file is readable by its owner only: whoever reads it is the teacher.
        None => Ok(()),
    }
}

/// Reads keys in raw mode on a thread of its own and draws the status line; restores the
/// terminal when dropped (and on panic).
struct KeyReader {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl KeyReader {
    fn start(
        controls: mpsc::UnboundedSender<Control>,
        progress: watch::Receiver<Progress>,
    ) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("replay-keys".into())
            .spawn(move || {
                if terminal::enable_raw_mode().is_err() {
                    return;
                }
                let previous = std::panic::take_hook();
                std::panic::set_hook(Box::new(move |info| {
                    let _ = terminal::disable_raw_mode();
                    previous(info);
                }));
                eprint!("space pause/resume, -> step, up/down rate x2 / 2, q quit\r\n");
                while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                    draw(&progress.borrow());
                    if !event::poll(Duration::from_millis(100)).unwrap_or(false) {
                        continue;
                    }
                    let Ok(Event::Key(key)) = event::read() else {
                        continue;
                    };
                    if key.kind == KeyEventKind::Release {
                        continue;
                    }
                    let control = match key.code {
                        KeyCode::Char(' ') => Control::TogglePause,
                        KeyCode::Right => Control::Step,
                        KeyCode::Up | KeyCode::Char('+') => Control::Faster,
                        KeyCode::Down | KeyCode::Char('-') => Control::Slower,
                        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                            Control::Quit
                        }
                        KeyCode::Char('q') | KeyCode::Esc => Control::Quit,
                        _ => continue,
                    };
                    if controls.send(control).is_err() {
                        break;
                    }
                }
                let _ = terminal::disable_raw_mode();
                eprint!("\r\n");
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = terminal::disable_raw_mode();
    }
}

fn draw(p: &Progress) {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r{} {:>8.1}s / {:.1}s  {}x  {} published{}\x1b[K",
        if p.paused { "||" } else { "> " },
        p.position_ms as f64 / 1_000.0,
        p.span_ms as f64 / 1_000.0,
        p.rate,
        p.published,
        if p.pass > 1 {
            format!("  pass {}", p.pass)
        } else {
            String::new()
        }
    );
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_ros_bag_users_write_them() {
        assert_eq!(parse_offset("90s"), Ok(90_000));
        assert_eq!(parse_offset("1m30s"), Ok(90_000));
        assert_eq!(parse_offset("1500ms"), Ok(1_500));
        assert_eq!(parse_offset("2h"), Ok(7_200_000));
        assert_eq!(parse_offset("12.5"), Ok(12_500));
        assert_eq!(parse_offset("0s"), Ok(0));
        assert!(parse_offset("-3").is_err());
        assert!(parse_offset("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_offset("m").is_err());
        assert!(parse_offset("3m2").is_err());
    }
}
