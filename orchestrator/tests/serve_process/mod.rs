//! `orchestrator serve` as a real process, for black-box tests of its lifecycle: the built
//! binary on free loopback ports, its output in files of a log folder kept apart from the
//! database's folder (so a test can check that folder file by file), killed when dropped.

#![allow(dead_code)] // Each test file uses its own part of these helpers.

use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_orchestrator");
/// Generous: the machine has 2 cores shared with parallel builds.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Starts of `serve` tried before giving up on finding two free ports.
const PORT_ATTEMPTS: u32 = 5;
/// How a server's stderr says a port it was given was taken meanwhile.
const PORT_TAKEN: &str = "Address already in use";

/// A port free at the time of the call (bound, then released): see [`Serve::start`] for the
/// race this leaves.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `orchestrator` with no setting inherited from the environment of the test run.
pub fn orchestrator() -> Command {
    let mut command = Command::new(BIN);
    for var in [
        "ORCHESTRATOR_API",
        "ORCHESTRATOR_TOKEN",
        "ORCHESTRATOR_DB",
        "ORCHESTRATOR_HTTP",
        "ORCHESTRATOR_MQTT_LISTEN",
        "ORCHESTRATOR_BROKER",
        "ORCHESTRATOR_TEACHER_TOKEN",
        "RUST_LOG",
        "RUST_BACKTRACE",
    ] {
        command.env_remove(var);
    }
    command
}

/// The arguments of `serve` on `db` with the HTTP API on `http` and the broker on `mqtt`.
pub fn serve_args(db: &Path, http: &str, mqtt: &str) -> Vec<String> {
    vec![
        "serve".into(),
        "--http".into(),
        http.into(),
        "--mqtt-listen".into(),
        mqtt.into(),
        "--db".into(),
        db.display().to_string(),
    ]
}

/// A running `serve`.
pub struct Serve {
    /// In a mutex so a wait (`&self`) can notice the server has exited.
    child: Mutex<Child>,
    /// `http://127.0.0.1:PORT`.
    pub api: String,
    pub http_port: u16,
    pub mqtt_port: u16,
    /// Where its stdout (the startup summary) goes.
    pub stdout: PathBuf,
    /// Where its stderr (its logs, and why it stopped) goes.
    pub stderr: PathBuf,
    http: ureq::Agent,
}

impl Serve {
    /// Starts `serve` on `db` (HTTP on `http_ip` and a free port, the broker on loopback and
    /// a free port) with `extra` arguments, and returns once its API answers.
    ///
    /// `free_port` only finds a port free *now*: another test's server or client may take it
    /// before this server binds it, and the server then exits at once ("Address already in
    /// use"). That is retried on fresh ports; any other early exit fails with its stderr.
    pub fn start(db: &Path, logs: &Path, http_ip: &str, extra: &[&str]) -> Serve {
        Self::start_on(|| (free_port(), free_port()), db, logs, http_ip, extra)
    }

    /// As [`start`](Self::start), on the (HTTP, MQTT) ports `ports` gives for each attempt.
    pub fn start_on(
        mut ports: impl FnMut() -> (u16, u16),
        db: &Path,
        logs: &Path,
        http_ip: &str,
        extra: &[&str],
    ) -> Serve {
        let mut attempt = 1;
        loop {
            let serve = Self::spawn(ports(), db, logs, http_ip, extra);
            let deadline = Instant::now() + TIMEOUT;
            loop {
                // Exited first: whoever holds the port may accept and never answer.
                let exited = serve.child().try_wait().ok().flatten().is_some();
                if exited && attempt < PORT_ATTEMPTS && serve.logs().contains(PORT_TAKEN) {
                    break;
                }
                serve.assert_waiting("the API to answer", deadline);
                if serve.healthy() {
                    return serve;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            attempt += 1;
        }
    }

    fn spawn(
        (http_port, mqtt_port): (u16, u16),
        db: &Path,
        logs: &Path,
        http_ip: &str,
        extra: &[&str],
    ) -> Serve {
        let name = format!("serve-{http_port}");
        let stdout = logs.join(format!("{name}.out"));
        let stderr = logs.join(format!("{name}.err"));
        let child = orchestrator()
            .args(serve_args(
                db,
                &format!("{http_ip}:{http_port}"),
                &format!("127.0.0.1:{mqtt_port}"),
            ))
            .args(extra)
            .stdout(File::create(&stdout).expect("stdout file"))
            .stderr(File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start orchestrator serve");
        Serve {
            child: Mutex::new(child),
            api: format!("http://127.0.0.1:{http_port}"),
            http_port,
            mqtt_port,
            stdout,
            stderr,
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into(),
        }
    }

    /// Whether `/api/healthz` answers 200 within 2 s: a server up answers in milliseconds,
    /// and a port someone else holds may accept and never answer.
    fn healthy(&self) -> bool {
        let probe: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        probe
            .get(&format!("{}/api/healthz", self.api))
            .call()
            .is_ok_and(|r| r.status().as_u16() == 200)
    }

    pub fn pid(&self) -> u32 {
        self.child().id()
    }

    fn child(&self) -> std::sync::MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `GET path` with `token` as the bearer token; `None` when the server does not answer.
    pub fn get(&self, path: &str, token: Option<&str>) -> Option<(u16, Value)> {
        let mut request = self.http.get(&format!("{}{path}", self.api));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().ok()?;
        let status = response.status().as_u16();
        Some((
            status,
            response.body_mut().read_json().unwrap_or(Value::Null),
        ))
    }

    /// `POST path` with a JSON `body` and the bearer `token`.
    pub fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let mut response = self
            .http
            .post(&format!("{}{path}", self.api))
            .header("authorization", format!("Bearer {token}"))
            .send_json(body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_json().unwrap_or(Value::Null),
        )
    }

    /// What it printed on stdout so far (the startup summary).
    pub fn printed(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// Polls `done` for up to [`TIMEOUT`]; panics at once, with the server's stderr, if the
    /// server has exited (a port taken between `free_port` and its bind, say), and with its
    /// stderr at the timeout, so a failure says why rather than only that it waited.
    pub fn wait_until(&self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !done() {
            self.assert_waiting(what, deadline);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Panics, with the server's stderr, if it has exited or `deadline` has passed: one step
    /// of a wait for `what`.
    pub fn assert_waiting(&self, what: &str, deadline: Instant) {
        if let Ok(Some(status)) = self.child().try_wait() {
            panic!(
                "the server exited ({status}) while waiting for {what}; its stderr:\n{}",
                self.logs()
            );
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {TIMEOUT:?} waiting for {what}; the server's stderr:\n{}",
            self.logs()
        );
    }

    /// The last lines the server wrote on stderr.
    pub fn logs(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Polls `done` until it holds; panics naming `what` after [`TIMEOUT`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `command` to its end; returns whether it succeeded, its stdout and its stderr.
/// Panics (killing it) if it is still running after [`TIMEOUT`]: a refusal must come at once.
pub fn run_to_end(command: &mut Command) -> (bool, String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start orchestrator");
    let read_all = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read_all(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read_all(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for orchestrator") {
            break status;
        }
        if Instant::now() >= deadline {
            // Never leave it running: it might be serving on the test's database.
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "orchestrator (pid {}) still running after {TIMEOUT:?}",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.success(),
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    )
}

/// The names of the files in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
