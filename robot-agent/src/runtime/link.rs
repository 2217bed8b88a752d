//! The MQTT link: rumqttc's event loop polled in a task of its own, forwarding what arrives.
//!
//! This task never publishes and never waits on the controller for incoming commands (a full
//! queue drops them), so it cannot deadlock with a controller that is publishing. It reconnects
//! with exponential backoff, which rumqttc leaves to its user.

use std::sync::Arc;
use std::time::Duration;

use fleet_protocol::{MAX_PAYLOAD_BYTES, Status, encode, topic};
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, LastWill, MqttOptions, NetworkOptions,
    Outgoing, Packet, Publish, QoS,
};
use tokio::sync::{mpsc, oneshot};
use tracing::{Instrument, Span, debug, info, warn};

use super::AgentConfig;
use super::stats::Counters;
use fleet_protocol::Backoff;

/// What the link tells the controller.
#[derive(Debug)]
pub(crate) enum LinkEvent {
    /// A ConnAck: (re)announce the robot and (re)subscribe.
    Connected,
    /// An established connection failed; the link is retrying.
    Disconnected {
        reason: String,
    },
    /// The broker confirmed the command subscriptions.
    Subscribed,
    Message(Publish),
}

/// How many received commands may wait for the controller before new ones are dropped.
const INBOX_CAPACITY: usize = 256;
/// rumqttc's request queue. Large, because senders never wait on it (see `outbox`).
const REQUEST_CAPACITY: usize = 1024;
/// Incoming packets above this make rumqttc drop the connection, so it is well above the
/// protocol limit: a 17 KiB hostile command must reach the parser to be counted and refused.
const MAX_INCOMING_PACKET: usize = 1024 * 1024;
/// Short keep-alive so a silently dead link (cable, Wi-Fi) is noticed in seconds.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

pub(crate) struct Link {
    pub client: AsyncClient,
    pub events: mpsc::Receiver<LinkEvent>,
    pub kill: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Creates the client and starts polling (connecting happens in the background).
pub(crate) fn start(
    config: &AgentConfig,
    will: &Status,
    counters: Arc<Counters>,
    span: Span,
) -> Link {
    let mut options = MqttOptions::new(
        config.id.as_str(),
        config.broker.host.clone(),
        config.broker.port,
    );
    options
        .set_clean_session(true)
        .set_keep_alive(KEEP_ALIVE)
        .set_request_channel_capacity(REQUEST_CAPACITY)
        .set_max_packet_size(MAX_INCOMING_PACKET, MAX_PAYLOAD_BYTES + 1024)
        .set_last_will(LastWill::new(
            topic::status(&config.id),
            encode(will),
            QoS::AtLeastOnce,
            true,
        ));
    if let Some(creds) = &config.broker.credentials {
        options.set_credentials(creds.username.clone(), creds.password.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
    let mut network = NetworkOptions::new();
    // Nagle's algorithm costs ~40 ms per message on loopback (DESIGN.md); a stop cannot wait.
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);

    let (tx, events) = mpsc::channel(INBOX_CAPACITY);
    let (kill, kill_rx) = oneshot::channel();
    let backoff = Backoff::new(config.reconnect_min, config.reconnect_max);
    let task = tokio::spawn(run(eventloop, tx, kill_rx, counters, backoff).instrument(span));
    Link {
        client,
        events,
        kill,
        task,
    }
}

/// Polls until killed (the connection is dropped without DISCONNECT), until a clean DISCONNECT
/// went out, or until the controller is gone.
async fn run(
    mut eventloop: EventLoop,
    tx: mpsc::Sender<LinkEvent>,
    mut kill: oneshot::Receiver<()>,
    counters: Arc<Counters>,
    mut backoff: Backoff,
) {
    let mut connected = false;
    loop {
        let polled = tokio::select! {
            biased;
            _ = &mut kill => {
                debug!("link killed: dropping the connection without DISCONNECT");
                return;
            }
            polled = eventloop.poll() => polled,
        };
        match polled {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                connected = true;
                backoff.reset();
                info!("connected to the broker");
                if tx.send(LinkEvent::Connected).await.is_err() {
                    return;
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                match tx.try_send(LinkEvent::Message(publish)) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        counters.payload_dropped();
                        warn!("command inbox full: a message was dropped");
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                }
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                if tx.send(LinkEvent::Subscribed).await.is_err() {
                    return;
                }
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                info!("disconnected from the broker");
                return;
            }
            Ok(_) => {}
            Err(ConnectionError::RequestsDone) => return,
            Err(error) => {
                let delay = backoff.next_delay();
                if connected {
                    connected = false;
                    warn!(%error, retry_in_ms = delay.as_millis() as u64, "broker link lost, reconnecting");
                    let lost = LinkEvent::Disconnected {
                        reason: error.to_string(),
                    };
                    if tx.send(lost).await.is_err() {
                        return;
                    }
                } else {
                    warn!(%error, retry_in_ms = delay.as_millis() as u64, "cannot reach the broker, retrying");
                }
                tokio::select! {
                    _ = &mut kill => return,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}
