//! `orchestrator remote` through a pseudo-terminal, black box: the real binary serves a fleet
//! with one simulated robot (`serve --sim 1`), a second copy runs the remote with a pty as its
//! terminal, the test types keys into the pty and reads the robot's motion back from the API
//! (the simulator's own telemetry), and checks the pty's modes once the remote is gone.

mod serve_process;

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{LocalModes, Winsize, tcgetattr, tcsetwinsize};
use serde_json::Value;
use serve_process::{BIN, Serve, TIMEOUT, free_port};

const TOKEN: &str = "pty-test-teacher";

/// `orchestrator serve --sim 1` on free ports (serve_process), with its database and logs in
/// a temporary folder; killed when dropped.
struct Server {
    serve: Serve,
    api: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, logs) = (dir.path().join("fleet.db"), dir.path().join("logs"));
        std::fs::create_dir(&logs).expect("a log folder");
        let serve = Serve::start(
            &db,
            &logs,
            "127.0.0.1",
            &["--sim", "1", "--teacher-token", TOKEN],
        );
        let server = Server {
            api: serve.api.clone(),
            serve,
            _dir: dir,
        };
        server.wait_until("sim-01 online with telemetry", |r| {
            r["state"] == "online" && r["telemetry"]["pose"].is_object()
        });
        server
    }

    fn robot(&self) -> Option<Value> {
        match self.serve.get("/api/robots/sim-01", None)? {
            (200, robot) => Some(robot),
            _ => None,
        }
    }

    /// Polls the robot every 20 ms (the drive tests time stops to tens of milliseconds) under
    /// the shared deadline (serve_process::TIMEOUT), failing at once, with the server's logs,
    /// if it has exited.
    fn wait_until(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(robot) = self.robot().filter(|r| pred(r)) {
                return robot;
            }
            self.serve.assert_waiting(what, deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pose_x(&self) -> f64 {
        self.robot().expect("robot")["telemetry"]["pose"]["x"]
            .as_f64()
            .expect("a pose in the sim's telemetry")
    }
}

fn driving(robot: &Value) -> bool {
    let m = &robot["telemetry"]["motors"];
    m["left"].as_f64().unwrap_or(0.0) != 0.0 || m["right"].as_f64().unwrap_or(0.0) != 0.0
}

/// A pseudo-terminal with the remote running in it, and everything it printed so far.
struct Remote {
    child: Child,
    master: File,
    slave: File,
    /// The pty's modes before the remote started (read then, not later: the remote may
    /// already have switched to raw mode by the time a test looks).
    modes_before: LocalModes,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Remote {
    fn start(server: &Server, extra: &[&str]) -> Remote {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let slave = File::options()
            .read(true)
            .write(true)
            .open(name.to_str().expect("utf-8 pty name"))
            .expect("open the pty's terminal side");
        let size = Winsize {
            ws_row: 30,
            ws_col: 160,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        tcsetwinsize(&slave, size).expect("set the pty size");
        let modes_before = tcgetattr(&slave).expect("tcgetattr").local_modes;
        let child = Command::new(BIN)
            .args(["remote", "--api", &server.api, "--token", TOKEN, "sim-01"])
            .args(extra)
            .stdin(slave.try_clone().expect("dup"))
            .stdout(slave.try_clone().expect("dup"))
            .stderr(slave.try_clone().expect("dup"))
            .spawn()
            .expect("start orchestrator remote");
        let master = File::from(master);
        let output = Arc::new(Mutex::new(Vec::new()));
        // Drain the terminal continuously: a full pty buffer would block the remote's writes.
        let (mut reader, sink) = (master.try_clone().expect("dup"), output.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Remote {
            child,
            master,
            slave,
            modes_before,
            output,
        }
    }

    fn printed(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn local_modes(&self) -> LocalModes {
        tcgetattr(&self.slave).expect("tcgetattr").local_modes
    }

    fn wait_printed(&self, text: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.printed().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the remote never printed {text:?}; it printed {:?}",
                self.printed()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn type_keys(&mut self, keys: &[u8]) {
        self.master.write_all(keys).expect("type into the pty");
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the remote did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const COOKED: LocalModes = LocalModes::ICANON.union(LocalModes::ECHO);

#[test]
fn held_keys_drive_the_robot_release_stops_it_and_quitting_restores_the_terminal() {
    let server = Server::start();
    let mut remote = Remote::start(&server, &[]);
    let before = remote.modes_before;
    assert!(before.contains(COOKED), "a fresh pty starts cooked");
    remote.wait_printed("remote for sim-01");
    assert!(
        !remote.local_modes().contains(LocalModes::ICANON),
        "raw mode while running"
    );
    remote.wait_printed("online");

    let start_x = server.pose_x();
    // A terminal's auto-repeat: one press, a 500 ms first-repeat delay, then a repeat every
    // 33 ms for a second. The robot must keep going through the delay (no stutter).
    remote.type_keys(b"w");
    let pressed = Instant::now();
    server.wait_until("the robot to drive", driving);
    while pressed.elapsed() < Duration::from_millis(480) {
        assert!(
            driving(&server.robot().unwrap()),
            "stalled in the first-repeat delay"
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    let repeating = Instant::now();
    while repeating.elapsed() < Duration::from_secs(1) {
        remote.type_keys(b"w");
        std::thread::sleep(Duration::from_millis(33));
    }
    let released = Instant::now();
    server.wait_until("the robot to stop after the key is released", |r| {
        !driving(r)
    });
    // The remote's own stop once repeats were seen (hold window 150 ms, plus telemetry at
    // 10 Hz), well before the 700 ms a first press is held for.
    assert!(
        released.elapsed() < Duration::from_millis(600),
        "stopped {:?} after the last repeat",
        released.elapsed()
    );
    let travelled = server.pose_x() - start_x;
    assert!(travelled > 0.15, "drove {travelled:.3} m forward");

    // A tap drives for up to 700 ms; space stops at once.
    remote.type_keys(b"w");
    server.wait_until("the tap to drive", driving);
    remote.type_keys(b" ");
    let spaced = Instant::now();
    server.wait_until("space to stop the robot", |r| !driving(r));
    assert!(spaced.elapsed() < Duration::from_millis(400));
    assert!(
        remote.printed().contains("speed 0.5"),
        "the status line shows the speed"
    );

    remote.type_keys(b"\x03"); // Ctrl-C
    let status = remote.wait_exit();
    assert!(status.success(), "the remote exited with {status}");
    assert_eq!(remote.local_modes(), before, "terminal modes restored");
    let printed = remote.printed();
    let hidden = printed.find("\x1b[?25l").expect("the cursor was hidden");
    let shown = printed
        .rfind("\x1b[?25h")
        .expect("the cursor is shown again");
    assert!(shown > hidden);
}

#[test]
fn a_panic_in_the_remote_still_restores_the_terminal() {
    let server = Server::start();
    let mut remote = Remote::start(&server, &["--panic-on-key", "p"]);
    let before = remote.modes_before;
    assert!(before.contains(COOKED), "a fresh pty starts cooked");
    remote.wait_printed("remote for sim-01");
    assert!(!remote.local_modes().contains(LocalModes::ICANON));

    remote.type_keys(b"p");
    let status = remote.wait_exit();
    assert!(!status.success(), "a panic is a failure exit");
    remote.wait_printed("panic requested");
    assert_eq!(
        remote.local_modes(),
        before,
        "terminal modes restored after the panic"
    );
    assert!(remote.printed().contains("\x1b[?25h"), "cursor shown again");
}

#[test]
fn a_remote_for_a_robot_never_seen_says_so_and_exits_with_a_failure() {
    let server = Server::start();
    let mut child = Command::new(BIN)
        .args(["remote", "--api", &server.api, "--token", TOKEN, "ghost-9"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start orchestrator remote");
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the remote waited for a robot never seen"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(!status.success(), "exited with {status}");
    assert!(
        stderr.contains("no robot ghost-9 has been seen"),
        "{stderr}"
    );
}

/// What once made a test here wait its whole deadline for a robot: `free_port` releases the
/// port it found, another test's process took it, and the server exited at once without a
/// word. Now the start is retried on fresh ports.
#[test]
fn a_server_whose_port_was_taken_meanwhile_starts_again_on_fresh_ports() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let held = taken.local_addr().expect("its address").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut attempts = 0;
    let serve = Serve::start_on(
        || {
            attempts += 1;
            let http = if attempts == 1 { held } else { free_port() };
            (http, free_port())
        },
        &dir.path().join("fleet.db"),
        dir.path(),
        "127.0.0.1",
        &[],
    );
    assert_eq!(
        attempts, 2,
        "one start on the taken port, one on fresh ones"
    );
    assert_ne!(serve.http_port, held);
    assert_eq!(
        serve.get("/api/healthz", None).map(|(status, _)| status),
        Some(200)
    );
}
