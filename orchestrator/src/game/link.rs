//! The game master's own MQTT connection for the legacy topics (`init`, `tanks/+/...`), apart
//! from the fleet's link so that students' plain-text traffic never shares a parser, a queue or
//! a drop counter with the project's protocol. The same reconnecting client as the fleet's link
//! ([`crate::mqtt::ReconnectingClient`]: resubscribed on every ConnAck, backoff, TCP_NODELAY so
//! a capture's `START_CATCHING` does not wait 40 ms for Nagle); this file is what it does with
//! what it hears.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Message, Recipient};
use fleet_game::protocol::MASTER_SUBSCRIPTIONS;
use fleet_game::{Inbound, LegacyTopic, Outbound, ParseError};
use fleet_protocol::BrokerAddress;
use rumqttc::{AsyncClient, Publish, QoS, SubscribeFilter};
use tracing::warn;

use crate::actors::RecordSink;
use crate::domain::{Record, RecordKind, now_ms};
use crate::mqtt::{ClientOptions, Listener, ReconnectingClient};

/// Answers for a class, never waited on.
const REQUEST_CAPACITY: usize = 1024;
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
    connection: ReconnectingClient,
    records: Arc<dyn RecordSink>,
}

impl GameLink {
    /// Prepares the connection as `client_id` (with access control on, the username of
    /// `broker`'s credential); it connects at [`GameLink::run`].
    pub fn new_as(client_id: String, broker: &BrokerAddress, records: Arc<dyn RecordSink>) -> Self {
        let options = ClientOptions {
            client_id,
            request_capacity: REQUEST_CAPACITY,
            max_incoming_packet: MAX_INCOMING_PACKET,
            max_outgoing_packet: MAX_INCOMING_PACKET,
            name: "game master",
        };
        Self {
            connection: ReconnectingClient::new(options, broker),
            records,
        }
    }

    /// The handle the game actors publish through.
    pub fn answers(&self) -> Answers {
        Answers {
            client: Some(self.connection.client()),
            records: self.records.clone(),
        }
    }

    /// Connects and sends every legacy message to `master` from now on. Only the first call
    /// counts. Must run inside a tokio runtime.
    pub fn run(&mut self, master: Recipient<Heard>) {
        let listener = MasterListener {
            records: self.records.clone(),
            master,
        };
        self.connection.run_when(async move { Some(listener) });
    }

    /// Waits until the broker confirmed the legacy subscriptions, at most `timeout`.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        self.connection.wait_subscribed(timeout).await
    }

    pub async fn shutdown(self) {
        self.connection.shutdown().await;
    }
}

/// What the master's connection does with each publish, in the polling task.
struct MasterListener {
    records: Arc<dyn RecordSink>,
    master: Recipient<Heard>,
}

impl Listener for MasterListener {
    fn subscriptions(&self) -> Vec<SubscribeFilter> {
        MASTER_SUBSCRIPTIONS
            .iter()
            .map(|f| SubscribeFilter::new((*f).to_owned(), QoS::AtLeastOnce))
            .collect()
    }

    fn on_publish(&mut self, publish: Publish) {
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
        self.master.do_send(Heard { message, at });
    }
}
