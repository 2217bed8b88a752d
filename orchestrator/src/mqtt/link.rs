//! The orchestrator's MQTT connection: rumqttc's event loop polled in a task of its own,
//! turning each publish into a typed message for the fleet (or a counted drop).
//!
//! The polling task never publishes and never waits on anyone (subscribing happens in a task
//! of its own), so it cannot deadlock on a full request queue. It resubscribes on every
//! ConnAck (clean session: the broker forgets subscriptions) and reconnects with backoff.

use std::sync::Arc;
use std::time::Duration;

use actix::Recipient;
use fleet_protocol::Backoff;
use fleet_protocol::{BrokerAddress, MAX_PAYLOAD_BYTES, TopicKind};
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet,
    Publish, QoS, SubscribeFilter,
};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::counters::{DropLog, LinkCounters, LinkStats};
use super::inbound;
use super::publisher::Publisher;
use crate::actors::{Incoming, RecordSink};
use crate::domain::Record;
use crate::domain::now_ms;

/// The robot topics the orchestrator listens to (never `cmd`: that is what it sends).
pub const SUBSCRIBED: [TopicKind; 4] = [
    TopicKind::Status,
    TopicKind::Telemetry,
    TopicKind::Events,
    TopicKind::Ack,
];
/// rumqttc's request queue: commands for a whole class plus subscriptions, never waited on.
const REQUEST_CAPACITY: usize = 4096;
/// Far above the protocol limit, so an oversized payload reaches the parser and is counted
/// instead of making rumqttc drop the whole connection.
const MAX_INCOMING_PACKET: usize = 1024 * 1024;
/// A dead broker link is noticed within about 1.5 keep-alives.
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// How long a clean shutdown waits for the DISCONNECT to go out.
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);

/// The running link. Dropping it cuts the connection; [`MqttLink::shutdown`] says goodbye.
pub struct MqttLink {
    client: AsyncClient,
    publisher: Publisher,
    counters: Arc<LinkCounters>,
    route: Option<oneshot::Sender<Recipient<Incoming>>>,
    /// True while the broker has confirmed the robot-topic subscriptions of this connection.
    subscribed: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MqttLink {
    /// Prepares the link to `broker`; every valid message and sent command goes to `records`.
    /// It connects once [`MqttLink::route_to`] names who receives robot messages (the fleet,
    /// which itself needs this link's [`Publisher`] first). Must run inside a tokio runtime.
    pub fn start(broker: &BrokerAddress, records: Arc<dyn RecordSink>) -> Self {
        Self::start_as(client_id(), broker, records)
    }

    /// As [`start`](Self::start) with a given client id (the embedded broker with access
    /// control wants it equal to the username).
    pub fn start_as(
        client_id: String,
        broker: &BrokerAddress,
        records: Arc<dyn RecordSink>,
    ) -> Self {
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options
            .set_clean_session(true)
            .set_keep_alive(KEEP_ALIVE)
            .set_request_channel_capacity(REQUEST_CAPACITY)
            .set_max_packet_size(MAX_INCOMING_PACKET, MAX_PAYLOAD_BYTES + 1024);
        if let Some(creds) = &broker.credentials {
            options.set_credentials(creds.username.clone(), creds.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
        let mut network = NetworkOptions::new();
        // Nagle's algorithm costs ~40 ms per message on loopback (DESIGN.md): commands are
        // stops and steering, they cannot wait.
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);

        let counters = Arc::new(LinkCounters::default());
        let publisher = Publisher::new(client.clone(), records.clone(), counters.clone());
        let (stop, stop_rx) = oneshot::channel();
        let (route, route_rx) = oneshot::channel();
        let (subscribed_tx, subscribed) = watch::channel(false);
        let poller = Poller {
            client: client.clone(),
            subscribed: subscribed_tx,
            records,
            counters: counters.clone(),
            drop_log: DropLog::default(),
        };
        let url = broker.url();
        let task = tokio::spawn(async move {
            let mut stop_rx = stop_rx;
            let fleet = tokio::select! {
                _ = &mut stop_rx => return,
                fleet = route_rx => match fleet {
                    Ok(fleet) => fleet,
                    Err(_) => return,
                },
            };
            info!(broker = %url, "connecting to the MQTT broker");
            poller.run(eventloop, fleet, stop_rx).await;
        });
        Self {
            client,
            publisher,
            counters,
            route: Some(route),
            subscribed,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Sends robot messages to `fleet` from now on, and connects. Only the first call counts.
    pub fn route_to(&mut self, fleet: Recipient<Incoming>) {
        match self.route.take() {
            Some(route) => {
                let _ = route.send(fleet);
            }
            None => warn!("the MQTT link is already routed; ignoring a second route_to"),
        }
    }

    /// Waits until the broker confirmed the subscriptions (so no robot message published from
    /// now on is missed), at most `timeout`. False if the broker is not reachable yet: the link
    /// keeps retrying in the background.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        let mut subscribed = self.subscribed.clone();
        tokio::time::timeout(timeout, subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The handle actors use to send commands (implements [`crate::actors::CommandSink`]).
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// The client, for the heartbeat (which publishes without recording).
    pub(super) fn client(&self) -> AsyncClient {
        self.client.clone()
    }

    /// True while the link is connected and subscribed.
    pub(super) fn subscribed(&self) -> watch::Receiver<bool> {
        self.subscribed.clone()
    }

    pub fn stats(&self) -> LinkStats {
        self.counters.snapshot()
    }

    /// The live counters, for a caller that outlives this handle (the HTTP API).
    pub fn counters(&self) -> Arc<LinkCounters> {
        self.counters.clone()
    }

    /// Sends DISCONNECT (waiting up to a second for it to go out), then stops polling.
    pub async fn shutdown(mut self) {
        if self.client.try_disconnect().is_ok()
            && let Some(task) = self.task.as_mut()
            && tokio::time::timeout(DISCONNECT_GRACE, task).await.is_ok()
        {
            self.task = None;
        }
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for MqttLink {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Unique per process and start, so two orchestrators never kick each other off the broker.
fn client_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "orchestrator-{}-{:x}",
        std::process::id(),
        nanos & 0xffff_ffff_ffff
    )
}

struct Poller {
    client: AsyncClient,
    subscribed: watch::Sender<bool>,
    records: Arc<dyn RecordSink>,
    counters: Arc<LinkCounters>,
    drop_log: DropLog,
}

impl Poller {
    async fn run(
        mut self,
        mut eventloop: EventLoop,
        fleet: Recipient<Incoming>,
        mut stop: oneshot::Receiver<()>,
    ) {
        let mut backoff = Backoff::default();
        let mut connected = false;
        loop {
            let polled = tokio::select! {
                biased;
                _ = &mut stop => return,
                polled = eventloop.poll() => polled,
            };
            match polled {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    connected = true;
                    backoff.reset();
                    self.counters.connected();
                    info!("connected to the MQTT broker; subscribing to robot topics");
                    self.subscribe();
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => self.on_publish(publish, &fleet),
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    debug!(pkid = ack.pkid, "subscribed to robot topics");
                    self.subscribed.send_replace(true);
                }
                Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                    info!("disconnected from the MQTT broker");
                    return;
                }
                Ok(_) => {}
                Err(ConnectionError::RequestsDone) => return,
                Err(error) => {
                    self.subscribed.send_replace(false);
                    let delay = backoff.next_delay();
                    let retry_in_ms = delay.as_millis() as u64;
                    if connected {
                        connected = false;
                        warn!(%error, retry_in_ms, "MQTT broker link lost, reconnecting");
                    } else {
                        warn!(%error, retry_in_ms, "cannot reach the MQTT broker, retrying");
                    }
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// Subscribes from a task of its own: this task must keep polling for the request to go out.
    fn subscribe(&self) {
        let client = self.client.clone();
        let filters: Vec<SubscribeFilter> = SUBSCRIBED
            .iter()
            .map(|kind| SubscribeFilter::new(kind.wildcard(), QoS::AtLeastOnce))
            .collect();
        tokio::spawn(async move {
            if let Err(e) = client.subscribe_many(filters).await {
                warn!(error = %e, "could not subscribe to robot topics");
            }
        });
    }

    fn on_publish(&mut self, publish: Publish, fleet: &Recipient<Incoming>) {
        self.counters.received();
        let received_at_ms = now_ms();
        match inbound::parse(&publish.topic, &publish.payload, received_at_ms) {
            Ok(incoming) => {
                self.counters.accepted();
                self.records.record(Record {
                    robot: Some(incoming.robot.clone()),
                    kind: inbound::record_kind(&incoming.payload),
                    at_ms: received_at_ms,
                    topic: publish.topic,
                    payload: publish.payload.to_vec(),
                });
                // do_send: never wait on the fleet; it drains its mailbox in order.
                fleet.do_send(incoming);
            }
            Err(dropped) => {
                self.counters.dropped(dropped.reason);
                self.drop_log.log(&publish.topic, &dropped);
            }
        }
    }
}
