//! The orchestrator's MQTT connection for the fleet: a [`ReconnectingClient`] whose listener
//! turns each publish on the robot topics into a typed message for the fleet (or a counted
//! drop), and the [`Publisher`] actors send commands through.

use std::sync::Arc;

use actix::Recipient;
use fleet_protocol::{BrokerAddress, MAX_PAYLOAD_BYTES, TopicKind};
use rumqttc::{AsyncClient, Publish, QoS, SubscribeFilter};
use tokio::sync::{oneshot, watch};
use tracing::warn;

use super::counters::{DropLog, LinkCounters, LinkStats};
use super::inbound;
use super::publisher::Publisher;
use super::reconnecting::{ClientOptions, Listener, ReconnectingClient};
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

/// The running link. Dropping it cuts the connection; [`MqttLink::shutdown`] says goodbye.
pub struct MqttLink {
    connection: ReconnectingClient,
    publisher: Publisher,
    counters: Arc<LinkCounters>,
    route: Option<oneshot::Sender<Recipient<Incoming>>>,
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
        let options = ClientOptions {
            client_id,
            request_capacity: REQUEST_CAPACITY,
            max_incoming_packet: MAX_INCOMING_PACKET,
            max_outgoing_packet: MAX_PAYLOAD_BYTES + 1024,
            name: "fleet",
        };
        let mut connection = ReconnectingClient::new(options, broker);
        let counters = Arc::new(LinkCounters::default());
        let publisher = Publisher::new(connection.client(), records.clone(), counters.clone());
        let (route, route_rx) = oneshot::channel();
        let listener_counters = counters.clone();
        connection.run_when(async move {
            let fleet = route_rx.await.ok()?;
            Some(FleetListener {
                records,
                counters: listener_counters,
                drop_log: DropLog::default(),
                fleet,
            })
        });
        Self {
            connection,
            publisher,
            counters,
            route: Some(route),
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
    pub async fn wait_subscribed(&self, timeout: std::time::Duration) -> bool {
        self.connection.wait_subscribed(timeout).await
    }

    /// The handle actors use to send commands (implements [`crate::actors::CommandSink`]).
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// The client, for the heartbeat (which publishes without recording).
    pub(super) fn client(&self) -> AsyncClient {
        self.connection.client()
    }

    /// True while the link is connected and subscribed.
    pub(super) fn subscribed(&self) -> watch::Receiver<bool> {
        self.connection.subscribed()
    }

    pub fn stats(&self) -> LinkStats {
        self.counters.snapshot()
    }

    /// The live counters, for a caller that outlives this handle (the HTTP API).
    pub fn counters(&self) -> Arc<LinkCounters> {
        self.counters.clone()
    }

    /// Sends DISCONNECT (waiting up to a second for it to go out), then stops polling.
    pub async fn shutdown(self) {
        self.connection.shutdown().await;
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

/// What the fleet's link does with each publish, in the polling task.
struct FleetListener {
    records: Arc<dyn RecordSink>,
    counters: Arc<LinkCounters>,
    drop_log: DropLog,
    fleet: Recipient<Incoming>,
}

impl Listener for FleetListener {
    fn subscriptions(&self) -> Vec<SubscribeFilter> {
        SUBSCRIBED
            .iter()
            .map(|kind| SubscribeFilter::new(kind.wildcard(), QoS::AtLeastOnce))
            .collect()
    }

    fn on_connected(&mut self) {
        self.counters.connected();
    }

    fn on_publish(&mut self, publish: Publish) {
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
                self.fleet.do_send(incoming);
            }
            Err(dropped) => {
                self.counters.dropped(dropped.reason);
                self.drop_log.log(&publish.topic, &dropped);
            }
        }
    }
}
