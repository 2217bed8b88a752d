//! Bare MQTT clients for tests and benchmarks: a publisher that sends anything (garbage,
//! hostile topics, oversized payloads, or a thousand robots' messages from one connection),
//! and a subscriber that only counts what arrives (the broker's own limit, in the benchmark).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use fleet_protocol::{Backend, BrokerAddress, RobotId, Status, encode, topic};
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Outgoing, Packet, QoS};
use tokio::task::JoinHandle;

use crate::wait_until;

/// Far above the protocol's 16 KiB, so tests can send oversized payloads.
const MAX_PACKET: usize = 4 * 1024 * 1024;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A plain online status (a birth) of `id`, as a simulated robot announces itself.
pub fn birth(id: &RobotId) -> Vec<u8> {
    encode(&Status::online(
        id.clone(),
        "0.1.0",
        Backend::Sim,
        vec![],
        1,
    ))
}

/// What a client's event loop saw, readable from the test.
#[derive(Debug, Default)]
struct Seen {
    connacks: AtomicU64,
    errors: AtomicU64,
    sent: AtomicU64,
    subacks: AtomicU64,
    received: AtomicU64,
}

/// One MQTT connection, its event loop polled by a task of its own.
pub struct RawClient {
    client: AsyncClient,
    seen: Arc<Seen>,
    task: JoinHandle<()>,
}

impl RawClient {
    /// Connects and waits for the broker's ConnAck.
    pub async fn connect(broker: &BrokerAddress, name: &str) -> RawClient {
        Self::start(broker, name, &[]).await
    }

    /// Connects, subscribes to `filters` at QoS 1 (again after any reconnect) and waits for the
    /// broker to confirm; every publish received is counted.
    pub async fn subscriber(broker: &BrokerAddress, name: &str, filters: &[&str]) -> RawClient {
        let client = Self::start(broker, name, filters).await;
        let seen = client.seen.clone();
        wait_until(Duration::from_secs(10), "the subscriber's SubAck", || {
            seen.subacks.load(Relaxed) >= 1
        })
        .await;
        client
    }

    async fn start(broker: &BrokerAddress, name: &str, filters: &[&str]) -> RawClient {
        let n = NEXT.fetch_add(1, Relaxed);
        let id = crate::client_id(broker, || format!("raw-{name}-{}-{n}", std::process::id()));
        let mut options = MqttOptions::new(id, broker.host.clone(), broker.port);
        crate::set_login(&mut options, broker);
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(MAX_PACKET, MAX_PACKET)
            .set_request_channel_capacity(10_000)
            .set_inflight(1000);
        let (client, mut eventloop) = AsyncClient::new(options, 10_000);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let seen = Arc::new(Seen::default());
        let filters: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
        let task = {
            let (client, seen) = (client.clone(), seen.clone());
            tokio::spawn(async move {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            seen.connacks.fetch_add(1, Relaxed);
                            for f in &filters {
                                // try_: this task drains the queue, it must never wait on it.
                                let _ = client.try_subscribe(f.clone(), QoS::AtLeastOnce);
                            }
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => {
                            seen.subacks.fetch_add(1, Relaxed);
                        }
                        Ok(Event::Incoming(Packet::Publish(_))) => {
                            seen.received.fetch_add(1, Relaxed);
                        }
                        Ok(Event::Outgoing(Outgoing::Publish(_))) => {
                            seen.sent.fetch_add(1, Relaxed);
                        }
                        Ok(_) => {}
                        Err(_) => {
                            seen.errors.fetch_add(1, Relaxed);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            })
        };
        let raw = RawClient { client, seen, task };
        let seen = raw.seen.clone();
        wait_until(Duration::from_secs(10), "the broker's ConnAck", || {
            seen.connacks.load(Relaxed) >= 1
        })
        .await;
        raw
    }

    /// Queues a publish (waiting only for room in the client's queue).
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>, qos: QoS, retain: bool) {
        self.client
            .publish(topic, qos, retain, payload.into())
            .await
            .unwrap_or_else(|e| panic!("queue a publish on {topic}: {e}"));
    }

    /// Announces robot `id` as a robot does: its [`birth`], retained, at QoS 1.
    pub async fn announce(&self, id: &RobotId) {
        self.publish(&topic::status(id), birth(id), QoS::AtLeastOnce, true)
            .await;
    }

    /// Queues a publish the client itself may refuse (a topic with `+` or `#`).
    pub async fn try_publish(&self, topic: &str, payload: impl Into<Vec<u8>>) -> bool {
        self.client
            .publish(topic, QoS::AtMostOnce, false, payload.into())
            .await
            .is_ok()
    }

    /// Waits until `n` publishes in all have been written to the socket.
    pub async fn wait_sent(&self, n: u64, timeout: Duration) {
        let seen = self.seen.clone();
        wait_until(timeout, "publishes to be sent", || {
            seen.sent.load(Relaxed) >= n
        })
        .await;
    }

    pub fn sent(&self) -> u64 {
        self.seen.sent.load(Relaxed)
    }

    /// Publishes received (a subscriber's count).
    pub fn received(&self) -> u64 {
        self.seen.received.load(Relaxed)
    }

    /// Connection errors seen (the broker closed the link, or refused it).
    pub fn errors(&self) -> u64 {
        self.seen.errors.load(Relaxed)
    }

    pub fn connects(&self) -> u64 {
        self.seen.connacks.load(Relaxed)
    }
}

impl Drop for RawClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}
