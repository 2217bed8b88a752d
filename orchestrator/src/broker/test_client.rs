//! Test-only MQTT clients (nodelay, polled in a task) for tests that talk to a real broker.

use std::time::Duration;

use fleet_protocol::BrokerAddress;
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, NetworkOptions, Packet, Publish, QoS};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A connected client: what it receives arrives on `inbox`; aborting `task` cuts the TCP
/// connection without DISCONNECT, as a crashed robot would.
pub(crate) struct TestClient {
    pub client: AsyncClient,
    pub inbox: mpsc::UnboundedReceiver<Publish>,
    pub task: JoinHandle<()>,
    subacks: mpsc::UnboundedReceiver<()>,
}

impl TestClient {
    /// Subscribes and waits for the broker's SUBACK, so nothing published later is missed.
    pub async fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).await.expect("queued");
        tokio::time::timeout(Duration::from_secs(5), self.subacks.recv())
            .await
            .expect("SUBACK within 5 s")
            .expect("test client task alive");
    }
}

pub(crate) async fn connect(addr: &BrokerAddress, id: &str, will: Option<LastWill>) -> TestClient {
    let mut options = MqttOptions::new(id, addr.host.clone(), addr.port);
    options.set_keep_alive(Duration::from_secs(5));
    // Large both ways: tests send oversized payloads on purpose, to see them refused upstream.
    options.set_max_packet_size(1024 * 1024, 1024 * 1024);
    if let Some(will) = will {
        options.set_last_will(will);
    }
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);
    let (tx, inbox) = mpsc::unbounded_channel();
    let (suback_tx, subacks) = mpsc::unbounded_channel();
    let (connected_tx, connected_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let mut connected_tx = Some(connected_tx);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if let Some(tx) = connected_tx.take() {
                        let _ = tx.send(());
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send(p);
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = suback_tx.send(());
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(5), connected_rx)
        .await
        .expect("test client connects within 5 s")
        .expect("test client task alive");
    TestClient {
        client,
        inbox,
        task,
        subacks,
    }
}
