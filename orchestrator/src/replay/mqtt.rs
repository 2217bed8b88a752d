//! Publishing a replay to an MQTT broker: one rumqttc client with TCP_NODELAY (a replay's
//! timing is its point; Nagle's algorithm would hold messages back ~40 ms), QoS 0 and never
//! retained, so a replay leaves nothing behind on the broker. One QoS for every record keeps
//! them in the recorded order on the one connection.

use std::time::Duration;

use fleet_protocol::BrokerAddress;
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Outgoing, Packet, QoS};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::warn;

use super::player::{Publish, ReplayError};

/// Publishes queued ahead of the socket; a replay at 100x of a busy class bursts.
const REQUEST_CAPACITY: usize = 4_096;
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// How long [`MqttPublisher::connect`] waits for the broker's CONNACK.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct MqttPublisher {
    client: AsyncClient,
    poller: JoinHandle<()>,
    done: Option<oneshot::Receiver<()>>,
}

impl MqttPublisher {
    /// Connects to `broker` and waits until it accepted the connection.
    pub async fn connect(broker: &BrokerAddress) -> Result<Self, ReplayError> {
        // Unique per process and start, so two replays never take over each other's session.
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let client_id = format!("replay-{}-{started:x}", std::process::id());
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options
            .set_clean_session(true)
            .set_keep_alive(KEEP_ALIVE)
            .set_request_channel_capacity(REQUEST_CAPACITY)
            .set_max_packet_size(1 << 20, 1 << 20);
        if let Some(creds) = &broker.credentials {
            options.set_credentials(creds.username.clone(), creds.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let (connected_tx, connected) = oneshot::channel();
        let (done_tx, done) = oneshot::channel();
        let url = broker.url();
        let poller = tokio::spawn(async move {
            let mut connected_tx = Some(connected_tx);
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        if let Some(tx) = connected_tx.take() {
                            let _ = tx.send(Ok(()));
                        }
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
                    Ok(_) => {}
                    Err(e) => {
                        match connected_tx.take() {
                            Some(tx) => {
                                let _ = tx.send(Err(e.to_string()));
                                return;
                            }
                            None => warn!(broker = %url, "replay's MQTT link: {e}"),
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
            let _ = done_tx.send(());
        });
        let refused = |why: String| ReplayError::Publish(format!("{}: {why}", broker.url()));
        match tokio::time::timeout(CONNECT_TIMEOUT, connected).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(why))) => return Err(refused(why)),
            Ok(Err(_)) => return Err(refused("the MQTT client stopped".into())),
            Err(_) => return Err(refused(format!("no answer within {CONNECT_TIMEOUT:?}"))),
        }
        Ok(Self {
            client,
            poller,
            done: Some(done),
        })
    }

    /// Sends everything queued, then disconnects cleanly.
    pub async fn finish(mut self) {
        if self.client.disconnect().await.is_ok()
            && let Some(done) = self.done.take()
        {
            let _ = tokio::time::timeout(Duration::from_secs(5), done).await;
        }
        self.poller.abort();
    }
}

impl Publish for MqttPublisher {
    async fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), ReplayError> {
        self.client
            .publish(topic, QoS::AtMostOnce, false, payload)
            .await
            .map_err(|e| ReplayError::Publish(e.to_string()))
    }
}
