//! Everything the agent sends, through rumqttc's request queue without ever waiting on it.
//!
//! The controller must keep running (dead-man, link-loss stop) while the broker is away, and
//! rumqttc's `publish().await` blocks once its queue is full, which it is during an outage.
//! So every send here is a `try_*`: a full queue drops the message and counts it.

use std::sync::Arc;

use fleet_protocol::{Ack, Event, EventKind, RobotId, Status, Telemetry, encode, topic};
use rumqttc::{AsyncClient, QoS, SubscribeFilter};
use tracing::{debug, warn};

use super::stats::Counters;
use super::unix_ms;

pub(crate) struct Outbox {
    client: AsyncClient,
    counters: Arc<Counters>,
    status_topic: String,
    telemetry_topic: String,
    events_topic: String,
    ack_topic: String,
    cmd_topic: String,
    event_seq: u64,
    /// Set for a crash-like stop: nothing more may leave the robot.
    muted: bool,
}

impl Outbox {
    pub fn new(client: AsyncClient, id: &RobotId, counters: Arc<Counters>) -> Self {
        Self {
            client,
            counters,
            status_topic: topic::status(id),
            telemetry_topic: topic::telemetry(id),
            events_topic: topic::events(id),
            ack_topic: topic::ack(id),
            cmd_topic: topic::cmd(id),
            event_seq: 0,
            muted: false,
        }
    }

    /// The topic this robot takes its own commands on.
    pub fn cmd_topic(&self) -> &str {
        &self.cmd_topic
    }

    /// Subscriptions are redone on every ConnAck: with a clean session the broker forgot them.
    /// With a lease, the heartbeat too (QoS 0: a late beat is worth nothing).
    pub fn subscribe_commands(&self, heartbeat: bool) {
        // One SUBSCRIBE for all, so one SubAck says the robot is listening.
        let mut filters = vec![
            SubscribeFilter::new(self.cmd_topic.clone(), QoS::AtLeastOnce),
            SubscribeFilter::new(topic::BROADCAST_CMD.to_owned(), QoS::AtLeastOnce),
        ];
        if heartbeat {
            filters.push(SubscribeFilter::new(
                topic::heartbeat().to_owned(),
                QoS::AtMostOnce,
            ));
        }
        if let Err(e) = self.client.try_subscribe_many(filters) {
            warn!(error = %e, "could not queue the command subscriptions");
        }
    }

    pub fn status(&self, status: &Status) {
        self.send(&self.status_topic, QoS::AtLeastOnce, true, encode(status));
    }

    pub fn telemetry(&self, sample: &Telemetry) {
        self.send(
            &self.telemetry_topic,
            QoS::AtMostOnce,
            false,
            encode(sample),
        );
    }

    pub fn ack(&self, ack: &Ack) {
        self.send(&self.ack_topic, QoS::AtLeastOnce, false, encode(ack));
    }

    pub fn event(&mut self, kind: EventKind) {
        self.event_seq += 1;
        let event = Event::new(self.event_seq, unix_ms(), kind);
        self.send(&self.events_topic, QoS::AtLeastOnce, false, encode(&event));
    }

    /// Queues a DISCONNECT after whatever is already queued (the offline status).
    pub fn disconnect(&self) {
        if let Err(e) = self.client.try_disconnect() {
            warn!(error = %e, "could not queue the disconnect");
        }
    }

    /// Says nothing more from now on: a crashed robot's last words must not race its will.
    pub fn mute(&mut self) {
        self.muted = true;
    }

    fn send(&self, topic: &str, qos: QoS, retain: bool, payload: Vec<u8>) {
        if self.muted {
            return;
        }
        if let Err(e) = self.client.try_publish(topic, qos, retain, payload) {
            self.counters.publish_dropped();
            // Telemetry is dropped routinely while the link is down: not worth a warning each.
            if qos == QoS::AtMostOnce {
                debug!(%topic, error = %e, "telemetry dropped");
            } else {
                warn!(%topic, error = %e, "message dropped: MQTT queue full");
            }
        }
    }
}
