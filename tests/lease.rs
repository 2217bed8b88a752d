//! The enable lease with real processes (issue 9, item 5): the orchestrator binary and an
//! external robot-agent binary (simulated backend). The orchestrator is frozen with SIGSTOP, as
//! a Wi-Fi drop without a TCP reset looks to a robot, while the agent line-follows; the agent's
//! motors must stop within its lease plus a small margin, it must say so when the orchestrator
//! is back, and it must not move again by itself.
//!
//! The stop is timed from the agent's own telemetry (50 Hz, robot clock = this machine's
//! clock): the first still sample after the SIGSTOP bounds the stop from above, the last
//! moving one from below. Both binaries are built first (`cargo build`, a no-op when fresh).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fleet_protocol::{
    Ack, AckResult, BrokerAddress, CommandKind, ErrorCode, Event, EventKind, LEASE_DEFAULT,
    RobotId, RobotMode, Telemetry, topic,
};
use fleet_tests::{Observer, accepting_or_exited, command, free_port, wait_until};

const WAIT: Duration = Duration::from_secs(20);
/// How long the orchestrator stays frozen: well past the lease, well inside the agent's MQTT
/// keep-alive (5 s), so it is the lease that stops the robot, not a dropped link.
const FREEZE: Duration = Duration::from_millis(1500);
/// What the stop may take beyond the lease on this loaded 2-core machine: timer and scheduling
/// slack, one telemetry period (20 ms) of measurement resolution, and the `kill` process.
const MARGIN_MS: u64 = 100;

/// A child process killed (after a SIGCONT, in case it is frozen) when dropped.
struct Process(Child);

impl Process {
    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.0.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.id().to_string()])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn output() -> Stdio {
    if std::env::var_os("TEST_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// Starts the orchestrator on free ports and waits for its broker; returns it and the broker's
/// port. A port picked free may be taken by another process before the server binds it: the
/// server then exits at once, and it is started again on fresh ports.
async fn start_orchestrator(bin: &std::path::Path, db: &std::path::Path) -> (Process, u16) {
    for _ in 0..3 {
        let (http, mqtt) = (free_port(), free_port());
        // --open: this test is about the lease; an external agent has no enrolled credential.
        let mut orchestrator = Process(
            Command::new(bin.join("orchestrator"))
                .args(["serve", "--open", "--teacher-token", "lease-test"])
                .args(["--http", &format!("127.0.0.1:{http}")])
                .args(["--mqtt-listen", &format!("127.0.0.1:{mqtt}")])
                .arg("--db")
                .arg(db)
                .stdout(output())
                .stderr(output())
                .spawn()
                .expect("start the orchestrator"),
        );
        if accepting_or_exited(&mut orchestrator.0, mqtt, WAIT, "the orchestrator's broker").await {
            return (orchestrator, mqtt);
        }
        eprintln!(
            "the orchestrator exited at start ({:?}); new ports",
            orchestrator.0.try_wait()
        );
    }
    panic!("the orchestrator exited at start three times (TEST_LOG=1 shows why)");
}

/// Builds both binaries (with the cargo running this test) and returns their directory.
fn binaries() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "-q",
            "-p",
            "orchestrator",
            "-p",
            "robot-agent",
            "--bins",
        ])
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the binaries failed");
    // This test runs from target/<profile>/deps/; the binaries are one level up.
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .to_owned()
}

fn moving(t: &Telemetry) -> bool {
    t.motors.left != 0.0 || t.motors.right != 0.0
}

/// Starts line following, retrying while the agent has not heard its first heartbeat yet.
async fn line_follow(obs: &Observer, id: &RobotId, attempt: &str) {
    for n in 0..50 {
        let cmd_id = format!("{attempt}-{n}");
        obs.publish(
            &topic::cmd(id),
            command(&cmd_id, CommandKind::LineFollow { speed: 0.4 }),
        )
        .await;
        let ack: Ack = obs
            .wait_for(&topic::ack(id), WAIT, |a: &Ack| a.cmd_id.as_str() == cmd_id)
            .await;
        match ack.result {
            AckResult::Ok => return,
            AckResult::Error {
                code: ErrorCode::NotEnabled,
                ..
            } => tokio::time::sleep(Duration::from_millis(50)).await,
            AckResult::Error { code, message } => panic!("line_follow refused: {code:?} {message}"),
        }
    }
    panic!("the agent never became enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_orchestrator_stops_a_line_following_external_agent_within_its_lease() {
    fleet_tests::init_tracing();
    let bin = binaries();
    let dir = tempfile::tempdir().expect("temp dir");
    let (orchestrator, mqtt) = start_orchestrator(&bin, &dir.path().join("fleet.db")).await;
    let broker = BrokerAddress::new("127.0.0.1", mqtt);
    let id = RobotId::parse("lease-1").unwrap();
    let obs = Observer::connect_with_feed(
        &broker,
        &[
            &topic::telemetry(&id),
            &topic::events(&id),
            &topic::ack(&id),
        ],
        None,
    )
    .await;
    let _agent = Process(
        Command::new(bin.join("robot-agent"))
            .args([
                "--backend",
                "sim",
                "--id",
                id.as_str(),
                "--telemetry-hz",
                "50",
            ])
            .arg("--broker")
            .arg(broker.url())
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("start the agent"),
    );
    obs.wait_for(&topic::telemetry(&id), WAIT, |_: &Telemetry| true)
        .await;
    line_follow(&obs, &id, "f1").await;
    obs.wait_for(&topic::telemetry(&id), WAIT, |t: &Telemetry| {
        t.mode == RobotMode::LineFollow && moving(t)
    })
    .await;

    let stopped_at = unix_ms();
    orchestrator.signal("STOP");
    let signalled_by = unix_ms();
    tokio::time::sleep(FREEZE).await;
    orchestrator.signal("CONT");

    let event: Event = obs
        .wait_for(&topic::events(&id), WAIT, |e: &Event| {
            matches!(e.kind, EventKind::LeaseExpired { .. })
        })
        .await;
    let EventKind::LeaseExpired {
        lease_ms,
        silent_ms,
    } = event.kind
    else {
        unreachable!()
    };
    assert_eq!(lease_ms, LEASE_DEFAULT.as_millis() as u64);
    assert!(
        silent_ms >= FREEZE.as_millis() as u64 - 100,
        "silent {silent_ms} ms"
    );

    let samples: Vec<Telemetry> = obs.decoded(&topic::telemetry(&id));
    let first_still = samples
        .iter()
        .find(|t| t.ts_ms >= stopped_at && !moving(t))
        .expect("a still sample after the SIGSTOP");
    let last_moving = samples
        .iter()
        .rfind(|t| t.ts_ms < first_still.ts_ms && moving(t))
        .expect("a moving sample before the stop");
    let upper = first_still.ts_ms - stopped_at;
    let lower = last_moving.ts_ms.saturating_sub(signalled_by);
    eprintln!(
        "SIGSTOP -> motors stopped: between {lower} and {upper} ms (lease {lease_ms} ms, kill took {} ms, silence {silent_ms} ms)",
        signalled_by - stopped_at
    );
    assert!(
        upper <= lease_ms + MARGIN_MS,
        "the motors stopped {upper} ms after the SIGSTOP"
    );
    assert_eq!(first_still.mode, RobotMode::Idle);

    // Back: nothing moves by itself, however long we watch.
    let seen = samples.len();
    wait_until(WAIT, "telemetry after the freeze", || {
        obs.decoded::<Telemetry>(&topic::telemetry(&id)).len() > seen + 25
    })
    .await;
    let after: Vec<Telemetry> = obs.decoded(&topic::telemetry(&id));
    assert!(
        after[seen..]
            .iter()
            .all(|t| !moving(t) && t.mode == RobotMode::Idle),
        "the robot moved again by itself"
    );
    // A new command does.
    let before = after.len();
    line_follow(&obs, &id, "f2").await;
    wait_until(WAIT, "the robot to follow the line again", || {
        obs.decoded::<Telemetry>(&topic::telemetry(&id))[before..]
            .iter()
            .any(|t| t.mode == RobotMode::LineFollow && moving(t))
    })
    .await;
}
