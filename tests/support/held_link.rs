//! A TCP relay between a robot and its broker whose robot-to-broker direction can be held, as
//! a stalled Wi-Fi link holds a robot's messages: nothing is lost or reordered, it all arrives
//! late, at once, when the link is let go. The broker-to-robot direction (commands, the
//! heartbeat) always flows, so the robot keeps its lease and keeps driving.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fleet_protocol::BrokerAddress;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct HeldLink {
    address: BrokerAddress,
    held: Arc<AtomicBool>,
    accept: JoinHandle<()>,
}

impl HeldLink {
    /// Relays every connection made to [`HeldLink::address`] to `upstream`.
    pub async fn start(upstream: BrokerAddress) -> HeldLink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a relay port");
        let port = listener.local_addr().expect("the relay's address").port();
        let held = Arc::new(AtomicBool::new(false));
        let target = (upstream.host.clone(), upstream.port);
        let accept = tokio::spawn({
            let held = held.clone();
            async move {
                while let Ok((robot, _)) = listener.accept().await {
                    let Ok(broker) = TcpStream::connect((target.0.as_str(), target.1)).await else {
                        continue;
                    };
                    tokio::spawn(relay(robot, broker, held.clone()));
                }
            }
        });
        HeldLink {
            address: BrokerAddress {
                host: "127.0.0.1".to_owned(),
                port,
                credentials: upstream.credentials,
            },
            held,
            accept,
        }
    }

    /// Where the robot connects (with the upstream broker's credential).
    pub fn address(&self) -> BrokerAddress {
        self.address.clone()
    }

    /// Holds (true) or lets go (false) what the robot sends.
    pub fn hold(&self, held: bool) {
        self.held.store(held, Ordering::SeqCst);
    }
}

impl Drop for HeldLink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn relay(robot: TcpStream, broker: TcpStream, held: Arc<AtomicBool>) {
    let (mut from_robot, mut to_robot) = robot.into_split();
    let (mut from_broker, mut to_broker) = broker.into_split();
    let down = tokio::io::copy(&mut from_broker, &mut to_robot);
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = from_robot.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            // Bytes that came in while held wait with the rest.
            while held.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            to_broker.write_all(&buf[..n]).await?;
        }
    };
    tokio::select! {
        _ = down => {}
        _ = up => {}
    }
}
