//! The game master's own MQTT connection for the legacy topics (`init`, `tanks/+/...`), apart
//! from the fleet's link so that students' plain-text traffic never shares a parser, a queue or
//! a drop counter with the project's protocol.
//!
//! As `mqtt/link.rs`: the polling task never publishes and never waits on anyone, it
//! resubscribes on every ConnAck (clean session) and reconnects with backoff; TCP_NODELAY,
//! because a capture's `START_CATCHING` should not wait 40 ms for Nagle.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Message, Recipient};
use fleet_game::protocol::MASTER_SUBSCRIPTIONS;
use fleet_game::{Inbound, LegacyTopic, Outbound, ParseError};
use fleet_protocol::{Backoff, BrokerAddress};
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet,
    Publish, QoS, SubscribeFilter,
};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::actors::RecordSink;
use crate::domain::{Record, RecordKind, now_ms};

/// Answers for a class, never waited on.
const REQUEST_CAPACITY: usize = 1024;
const KEEP_ALIVE: Duration = Duration::from_secs(5);
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);
/// Far above the protocol's 256 bytes, so an oversized payload is parsed and counted instead of
/// costing the connection.
const MAX_INCOMING_PACKET: usize = 64 * 1024;

/// One message off a legacy topic, parsed at the edge (or the reason it did not parse).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Heard {
    pub message: Result<Inbound, ParseError>,
    pub at: Instant,
}

/// Publishes the master's answers, recording each. Never waits.
#[derive(Clone)]
pub struct Answers {
    client: Option<AsyncClient>,
    records: Arc<dyn RecordSink>,
}

impl Answers {
    /// Answers that are only recorded, never published: for actor tests.
    pub fn record_only(records: Arc<dyn RecordSink>) -> Self {
        Self {
            client: None,
            records,
        }
    }

    pub fn publish(&self, outbound: &Outbound) {
        let (topic, payload) = outbound.to_wire();
        if let Some(client) = &self.client
            && let Err(e) =
                client.try_publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone())
        {
            warn!(robot = %outbound.to, %topic, error = %e, "game answer not sent");
            return;
        }
        self.records.record(Record {
            robot: Some(outbound.to.clone()),
            kind: RecordKind::Game,
            at_ms: now_ms(),
            topic,
            payload: payload.into_bytes(),
        });
    }

    /// A game event (created, started, ...) for the recording, with the game as JSON.
    pub fn record_event(&self, event: &str, json: Vec<u8>) {
        self.records.record(Record {
            robot: None,
            kind: RecordKind::Game,
            at_ms: now_ms(),
            topic: format!("game/{event}"),
            payload: json,
        });
    }
}

/// The running link. Dropping it cuts the connection; [`GameLink::shutdown`] says goodbye.
pub struct GameLink {
    client: AsyncClient,
    records: Arc<dyn RecordSink>,
    pending: Option<(EventLoop, oneshot::Receiver<()>)>,
    subscribed: watch::Receiver<bool>,
    subscribed_tx: Option<watch::Sender<bool>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    url: String,
}

impl GameLink {
    /// Prepares the connection as `client_id` (with access control on, the username of
    /// `broker`'s credential); it connects at [`GameLink::run`].
    pub fn new_as(client_id: String, broker: &BrokerAddress, records: Arc<dyn RecordSink>) -> Self {
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options
            .set_clean_session(true)
            .set_keep_alive(KEEP_ALIVE)
            .set_request_channel_capacity(REQUEST_CAPACITY)
            .set_max_packet_size(MAX_INCOMING_PACKET, MAX_INCOMING_PACKET);
        if let Some(creds) = &broker.credentials {
            options.set_credentials(creds.username.clone(), creds.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let (stop, stop_rx) = oneshot::channel();
        let (subscribed_tx, subscribed) = watch::channel(false);
        Self {
            client,
            records,
            pending: Some((eventloop, stop_rx)),
            subscribed,
            subscribed_tx: Some(subscribed_tx),
            stop: Some(stop),
            task: None,
            url: broker.url(),
        }
    }

    /// The handle the game actors publish through.
    pub fn answers(&self) -> Answers {
        Answers {
            client: Some(self.client.clone()),
            records: self.records.clone(),
        }
    }

    /// Connects and sends every legacy message to `master` from now on. Only the first call
    /// counts. Must run inside a tokio runtime.
    pub fn run(&mut self, master: Recipient<Heard>) {
        let (Some((eventloop, stop_rx)), Some(subscribed)) =
            (self.pending.take(), self.subscribed_tx.take())
        else {
            return;
        };
        let poller = Poller {
            client: self.client.clone(),
            subscribed,
            records: self.records.clone(),
        };
        let url = self.url.clone();
        self.task = Some(tokio::spawn(async move {
            info!(broker = %url, "game master connecting to the MQTT broker");
            poller.run(eventloop, master, stop_rx).await;
        }));
    }

    /// Waits until the broker confirmed the legacy subscriptions, at most `timeout`.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        let mut subscribed = self.subscribed.clone();
        tokio::time::timeout(timeout, subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

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

impl Drop for GameLink {
    fn drop(&mut self) {
        self.stop_now();
    }
}

struct Poller {
    client: AsyncClient,
    subscribed: watch::Sender<bool>,
    records: Arc<dyn RecordSink>,
}

impl Poller {
    async fn run(
        self,
        mut eventloop: EventLoop,
        master: Recipient<Heard>,
        mut stop: oneshot::Receiver<()>,
    ) {
        let mut backoff = Backoff::default();
        loop {
            let polled = tokio::select! {
                biased;
                _ = &mut stop => return,
                polled = eventloop.poll() => polled,
            };
            match polled {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    backoff.reset();
                    debug!("game master connected; subscribing to the legacy topics");
                    self.subscribe();
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    self.subscribed.send_replace(true);
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => self.on_publish(publish, &master),
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(ConnectionError::RequestsDone) => return,
                Err(error) => {
                    self.subscribed.send_replace(false);
                    let delay = backoff.next_delay();
                    warn!(%error, retry_in_ms = delay.as_millis() as u64,
                        "game master's MQTT link down, reconnecting");
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    fn subscribe(&self) {
        let client = self.client.clone();
        let filters: Vec<SubscribeFilter> = MASTER_SUBSCRIPTIONS
            .iter()
            .map(|f| SubscribeFilter::new((*f).to_owned(), QoS::AtLeastOnce))
            .collect();
        tokio::spawn(async move {
            if let Err(e) = client.subscribe_many(filters).await {
                warn!(error = %e, "could not subscribe to the legacy game topics");
            }
        });
    }

    fn on_publish(&self, publish: Publish, master: &Recipient<Heard>) {
        let at = Instant::now();
        let message = Inbound::parse(&publish.topic, &publish.payload);
        // The master's own answers come back on the topics it listens to: they were recorded
        // when sent.
        if matches!(message, Err(ParseError::Echo(_))) {
            return;
        }
        // Everything else a robot sent is recorded, garbage included: it is what happened.
        let robot = match &message {
            Ok(inbound) => Some(inbound.id().clone()),
            Err(_) => match LegacyTopic::parse(&publish.topic) {
                Ok(LegacyTopic::Init) | Err(_) => None,
                Ok(LegacyTopic::TankInit(id) | LegacyTopic::Flag(id) | LegacyTopic::Shots(id))
                | Ok(LegacyTopic::ShotsIn(id) | LegacyTopic::ShotsOut(id))
                | Ok(LegacyTopic::QrCode(id)) => Some(id),
            },
        };
        self.records.record(Record {
            robot,
            kind: RecordKind::Game,
            at_ms: now_ms(),
            topic: publish.topic,
            payload: publish.payload.to_vec(),
        });
        master.do_send(Heard { message, at });
    }
}
