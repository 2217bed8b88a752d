//! A real Mosquitto on a free loopback port, with a throwaway config; killed when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use fleet_protocol::BrokerAddress;

use crate::{accepting_or_exited, child_output, wait_until};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

pub struct Broker {
    port: u16,
    config: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Broker {
    /// Starts Mosquitto and waits until it accepts connections.
    pub async fn start() -> Broker {
        Self::start_with("allow_anonymous true\n").await
    }

    /// As [`start`](Self::start) with `conf` (access settings, e.g. what `broker-config`
    /// prints) in place of `allow_anonymous true`.
    pub async fn start_with(conf: &str) -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("mosquitto.conf");
        let mut broker = Broker {
            port: 0,
            config,
            child: None,
            _dir: dir,
        };
        // A port picked free may be taken by another process before Mosquitto binds it; then
        // Mosquitto exits at once, and it is started again on a fresh port.
        for _ in 0..3 {
            broker.port = free_port();
            // No persistence: a restarted broker has forgotten every retained message, so a
            // status seen after a restart was published again.
            let text = format!(
                "listener {} 127.0.0.1\n{conf}persistence false\nset_tcp_nodelay true\n",
                broker.port
            );
            std::fs::write(&broker.config, text).expect("write mosquitto.conf");
            if broker.launch().await {
                return broker;
            }
        }
        panic!("mosquitto exited at start three times (TEST_LOG=1 shows why)");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where clients connect (no credentials: the test broker allows anonymous clients).
    pub fn address(&self) -> BrokerAddress {
        BrokerAddress::new("127.0.0.1", self.port)
    }

    /// Kills the broker (as a crash would) and waits for the process to end.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let port = self.port;
        wait_until(Duration::from_secs(5), "the broker port to close", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        })
        .await;
    }

    /// Sends SIGHUP: Mosquitto rereads its password and ACL files, and disconnects clients
    /// that no longer authenticate.
    pub fn reload(&self) {
        let child = self.child.as_ref().expect("mosquitto is running");
        let status = Command::new("kill")
            .arg("-HUP")
            .arg(child.id().to_string())
            .status()
            .expect("run kill -HUP");
        assert!(status.success(), "kill -HUP mosquitto failed");
    }

    /// Starts the broker again on the same port.
    pub async fn restart(&mut self) {
        self.kill().await;
        assert!(self.launch().await, "mosquitto exited at restart");
    }

    /// Starts Mosquitto and waits until it accepts connections (`true`) or exits (`false`).
    async fn launch(&mut self) -> bool {
        let mut child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(&self.config)
            .stdout(child_output())
            .stderr(child_output())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {MOSQUITTO} (apt install mosquitto): {e}"));
        let accepting =
            accepting_or_exited(&mut child, self.port, Duration::from_secs(10), "mosquitto").await;
        if accepting {
            self.child = Some(child);
        }
        accepting
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port nobody listens on right now (the OS picks it). Another process may take it before
/// the server binds it: the servers started here start again on a fresh one when that happens.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
