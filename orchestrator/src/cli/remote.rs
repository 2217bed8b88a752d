//! `orchestrator remote ROBOT`: drive one robot from the terminal, in raw mode, through the
//! HTTP API. The key logic (what a key means, how long a key counts as held) is in
//! [`super::remote_keys`]; this file owns the terminal and the one thread that talks HTTP, so a
//! slow answer never freezes the keys.
//!
//! The terminal is restored on every way out: normal exit, error (a guard's `Drop`) and panic
//! (a panic hook, which also covers `panic = "abort"` builds where nothing is dropped).

use std::io::{Write, stdout};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::{cursor, execute, queue, style::Print, terminal};
use fleet_protocol::{CommandKind, DRIVE_REPEAT, Joint, RobotMode, ServoAngles};

use super::ApiClient;
use super::format::wire_name;
use super::remote_keys::{Action, Hold, SERVO_STEP, SPEED_STEP, action_for};
use super::robots::{line_sensors, motor_outputs};
use crate::contract::{CommandAnswer, RobotView};
use crate::domain::Liveness;

/// How long the key loop waits for a key before checking the hold and the reports.
const TICK: Duration = Duration::from_millis(20);
/// How often the robot's state is read for the status line.
const STATUS_EVERY: Duration = Duration::from_millis(250);
/// The status line is kept this wide so it fits a standard 80-column terminal.
const LINE_WIDTH: usize = 79;

#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// The robot to drive.
    pub robot: String,
    /// Driving speed at start, 0..1 (`+`/`-` change it by 0.1).
    #[arg(long, default_value_t = 0.5)]
    pub speed: f32,
    /// Panics when this key is pressed: only for the test that the terminal is restored
    /// after a panic.
    #[arg(long, hide = true)]
    pub panic_on_key: Option<char>,
}

const HELP: &str = "arrows/WASD drive, q/e arcs, space stop, +/- speed, 1-5 joint, [ ] servo, x estop, r release, Esc/Ctrl-C quit";

pub fn run(client: ApiClient, args: RemoteArgs) -> anyhow::Result<()> {
    // Refuse a hostile id before touching the terminal.
    fleet_protocol::RobotId::parse(&args.robot).context("bad robot id")?;
    // An unknown robot (or no server) is said at once, not waited for in raw mode.
    let _: RobotView = client
        .get(&format!("/api/robots/{}", args.robot))
        .with_context(|| {
            format!(
                "cannot drive {}: list the robots with `orchestrator robots`",
                args.robot
            )
        })?;
    let (requests, requests_rx) = mpsc::channel();
    let (reports_tx, reports) = mpsc::channel();
    let robot = args.robot.clone();
    let io = thread::Builder::new()
        .name("remote-http".into())
        .spawn(move || http_loop(client, &robot, requests_rx, reports_tx))
        .context("starting the HTTP thread")?;

    let result = {
        let _guard = TerminalGuard::enter()?;
        let mut out = stdout();
        execute!(out, Print(format!("remote for {}: {HELP}\r\n", args.robot)))?;
        key_loop(&args, &requests, &reports)
    };
    // Whatever happened, the robot is told to stop before the remote goes away.
    let _ = requests.send(Request::Command(CommandKind::Stop));
    let _ = requests.send(Request::Quit);
    let _ = io.join();
    result
}

fn key_loop(
    args: &RemoteArgs,
    requests: &Sender<Request>,
    reports: &Receiver<Report>,
) -> anyhow::Result<()> {
    let mut ui = Ui::new(args.speed.clamp(0.0, 1.0));
    let mut hold = Hold::default();
    let mut sent_drive: Option<(CommandKind, Instant)> = None;
    let send = |kind: CommandKind| {
        requests
            .send(Request::Command(kind))
            .context("the HTTP thread stopped")
    };
    loop {
        if event::poll(TICK)?
            && let Event::Key(key) = event::read()?
            && key.kind != KeyEventKind::Release
        {
            if let (Some(c), crossterm::event::KeyCode::Char(k)) = (args.panic_on_key, key.code)
                && c == k
            {
                panic!("panic requested by --panic-on-key {c:?}");
            }
            match action_for(&key) {
                Some(Action::Quit) => return Ok(()),
                Some(Action::Drive(direction)) => hold.key(direction, Instant::now()),
                Some(Action::Stop) => {
                    hold.release();
                    sent_drive = None;
                    send(CommandKind::Stop)?;
                }
                Some(Action::Faster) => ui.speed = (ui.speed + SPEED_STEP).min(1.0),
                Some(Action::Slower) => ui.speed = (ui.speed - SPEED_STEP).max(0.0),
                Some(Action::SelectJoint(joint)) => ui.joint = joint,
                Some(Action::ServoUp) => send(ui.move_servo(SERVO_STEP))?,
                Some(Action::ServoDown) => send(ui.move_servo(-SERVO_STEP))?,
                Some(Action::Estop) => {
                    hold.release();
                    sent_drive = None;
                    send(CommandKind::Estop)?;
                }
                Some(Action::Release) => send(CommandKind::Release)?,
                None => {}
            }
        }
        while let Ok(report) = reports.try_recv() {
            ui.apply(report);
        }
        let now = Instant::now();
        match hold.held(now) {
            Some(direction) => {
                let kind = direction.drive(ui.speed);
                let due = sent_drive
                    .as_ref()
                    .is_none_or(|(last, at)| *last != kind || now - *at >= DRIVE_REPEAT);
                if due {
                    send(kind.clone())?;
                    sent_drive = Some((kind, now));
                }
            }
            None => {
                if sent_drive.take().is_some() {
                    send(CommandKind::Stop)?;
                }
            }
        }
        ui.render()?;
    }
}

/// What the key loop asks of the HTTP thread.
enum Request {
    Command(CommandKind),
    Quit,
}

/// What the HTTP thread tells the key loop.
enum Report {
    /// A command's answer: `Ok(outcome)` or the API's error message (offline, estopped...).
    Answer(&'static str, Result<String, String>),
    Robot(Box<RobotView>),
    Unreachable(String),
}

fn http_loop(client: ApiClient, robot: &str, requests: Receiver<Request>, reports: Sender<Report>) {
    let path = format!("/api/robots/{robot}/commands");
    let mut last_status: Option<Instant> = None;
    loop {
        let wait = last_status.map_or(Duration::ZERO, |t| STATUS_EVERY.saturating_sub(t.elapsed()));
        let mut batch = Vec::new();
        match requests.recv_timeout(wait) {
            Ok(first) => {
                batch.push(first);
                batch.extend(requests.try_iter());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // A queue of drives is stale but for its last one: send only that.
        let count = batch.len();
        for (i, request) in batch.into_iter().enumerate() {
            let kind = match request {
                Request::Quit => return,
                Request::Command(kind) => kind,
            };
            let superseded = i + 1 < count && matches!(kind, CommandKind::Drive { .. });
            if superseded {
                continue;
            }
            let answer = client
                .post::<_, CommandAnswer>(&path, &kind)
                .map(|a| a.outcome_name().to_owned())
                .map_err(|e| format!("{e:#}"));
            let _ = reports.send(Report::Answer(kind.name(), answer));
        }
        if last_status.is_none_or(|t| t.elapsed() >= STATUS_EVERY) {
            last_status = Some(Instant::now());
            let report = match client.get::<RobotView>(&format!("/api/robots/{robot}")) {
                Ok(view) => Report::Robot(Box::new(view)),
                Err(e) => Report::Unreachable(format!("{e:#}")),
            };
            if reports.send(report).is_err() {
                return;
            }
        }
    }
}

/// The status line's state.
struct Ui {
    speed: f32,
    joint: Joint,
    angles: Option<ServoAngles>,
    robot: Option<Box<RobotView>>,
    last_answer: String,
    shown: String,
}

impl Ui {
    fn new(speed: f32) -> Self {
        Self {
            speed,
            joint: Joint::Claw,
            angles: None,
            robot: None,
            last_answer: String::new(),
            shown: String::new(),
        }
    }

    /// An API error as the status line shows it: without the robot's id (the line is about
    /// that robot) and the HTTP status, so the reason fits.
    fn short<'a>(&self, error: &'a str) -> &'a str {
        let error = error
            .rsplit_once(" (HTTP ")
            .map_or(error, |(message, _)| message);
        match &self.robot {
            Some(r) => error
                .strip_prefix(&format!("robot {} ", r.id))
                .unwrap_or(error),
            None => error,
        }
    }

    fn angle(&self) -> f32 {
        self.angles.map_or(90.0, |mut a| *a.joint_mut(self.joint))
    }

    /// The servo command for a step, remembered so repeated steps add up before telemetry
    /// catches up.
    fn move_servo(&mut self, step: f32) -> CommandKind {
        let angle = (self.angle() + step).clamp(0.0, 180.0);
        let angles = self.angles.get_or_insert(ServoAngles {
            camera_tilt: 90.0,
            arm: 90.0,
            forearm: 90.0,
            wrist: 90.0,
            claw: 90.0,
        });
        *angles.joint_mut(self.joint) = angle;
        CommandKind::Servo {
            joint: self.joint,
            angle,
        }
    }

    fn apply(&mut self, report: Report) {
        match report {
            Report::Answer(what, Ok(outcome)) => self.last_answer = format!("{what}: {outcome}"),
            Report::Answer(what, Err(e)) => {
                self.last_answer = format!("{what}: {}", self.short(&e));
            }
            Report::Unreachable(e) => self.last_answer = e,
            Report::Robot(view) => {
                if self.angles.is_none() {
                    self.angles = view.telemetry.as_ref().map(|t| t.servos);
                }
                self.robot = Some(view);
            }
        }
    }

    /// The status line, at most [`LINE_WIDTH`] characters: the robot's state and the last
    /// answer (a refusal's reason) come first, the sensor readouts last, so a narrow terminal
    /// cuts what matters least.
    fn line(&self) -> String {
        let mut parts = Vec::new();
        let mut readouts = Vec::new();
        match &self.robot {
            None => parts.push("waiting for the robot...".to_owned()),
            Some(r) => {
                let t = r.telemetry.as_ref();
                let mode = t.map_or("-".to_owned(), |t| wire_name(&t.mode));
                parts.push(match (r.state, t.map(|t| t.mode)) {
                    (Liveness::Offline, _) => "OFFLINE".to_owned(),
                    (_, Some(RobotMode::Estopped)) => "ESTOPPED (r releases)".to_owned(),
                    (state, _) => format!("{} {mode}", state.as_str()),
                });
                readouts.push(format!("line {}", line_sensors(t)));
                readouts.push(format!("motors {}", motor_outputs(t, " ")));
            }
        }
        if !self.last_answer.is_empty() {
            parts.push(self.last_answer.clone());
        }
        parts.push(format!("speed {:.1}", self.speed));
        parts.push(format!("{} {:.0} deg", self.joint.as_str(), self.angle()));
        let mut line = parts.join(" | ");
        for readout in readouts {
            if line.chars().count() + 3 + readout.chars().count() <= LINE_WIDTH {
                line = format!("{line} | {readout}");
            }
        }
        fit(&line, LINE_WIDTH)
    }

    /// Redraws the status line in place when it changed (a terminal redraw per tick would
    /// flood slow links).
    fn render(&mut self) -> std::io::Result<()> {
        let width = terminal::size().map_or(0, |(w, _)| w as usize);
        let mut line = self.line();
        if width > 1 && line.chars().count() >= width {
            line = fit(&line, width - 1);
        }
        if line == self.shown {
            return Ok(());
        }
        let mut out = stdout();
        queue!(
            out,
            cursor::MoveToColumn(0),
            terminal::Clear(terminal::ClearType::CurrentLine),
            Print(&line)
        )?;
        out.flush()?;
        self.shown = line;
        Ok(())
    }
}

/// `line` cut to `width` characters, ending in `~` when something was cut.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('~');
    cut
}

/// Raw mode and a hidden cursor while alive; restored on drop and on panic.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> anyhow::Result<Self> {
        terminal::enable_raw_mode()
            .context("the terminal remote needs a terminal (could not enter raw mode)")?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
        execute!(stdout(), cursor::Hide)?;
        Ok(Self)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Safe to call twice (the panic hook runs, then the guard is dropped while unwinding).
fn restore_terminal() {
    let _ = execute!(stdout(), cursor::Show, Print("\r\n"));
    let _ = terminal::disable_raw_mode();
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{RobotId, Telemetry};

    use super::*;

    #[test]
    fn the_status_line_fits_80_columns_with_the_refusal_reason_visible() {
        let mut ui = Ui::new(0.5);
        let mut view = RobotView::unknown(RobotId::parse("sim-01").unwrap());
        view.state = Liveness::Online;
        let mut telemetry = Telemetry::new(1, 1);
        telemetry.mode = RobotMode::Estopped;
        view.telemetry = Some(telemetry);
        ui.apply(Report::Robot(Box::new(view)));
        let error = "robot sim-01 refused: estopped (HTTP 422)";
        ui.apply(Report::Answer("drive", Err(error.to_owned())));
        let line = ui.line();
        assert!(line.chars().count() <= 79, "{} columns: {line}", line.len());
        assert!(line.contains("drive: refused: estopped"), "{line}");
        assert!(
            line.contains("ESTOPPED") && line.contains("speed 0.5"),
            "{line}"
        );
    }
}
