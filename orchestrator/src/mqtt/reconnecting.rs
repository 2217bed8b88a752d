//! The orchestrator's one reconnecting MQTT client, under both of its connections (the fleet's
//! [`super::MqttLink`] and the game master's `GameLink`): rumqttc's event loop polled in a task
//! of its own that hands every publish to a [`Listener`].
//!
//! The polling task never publishes and never waits on anyone (subscribing happens in a task of
//! its own), so it cannot deadlock on a full request queue. It resubscribes on every ConnAck
//! (clean session: the broker forgets subscriptions), reconnects with backoff, and says whether
//! the broker confirmed the subscriptions of this connection. TCP_NODELAY: Nagle's algorithm
//! costs ~40 ms per message on loopback (DESIGN.md), and commands and game answers cannot wait.

use std::future::Future;
use std::time::Duration;

use fleet_protocol::{Backoff, BrokerAddress};
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet,
    Publish, SubscribeFilter,
};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// A dead broker link is noticed within about 1.5 keep-alives.
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// How long a clean shutdown waits for the DISCONNECT to go out.
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);

/// How one connection is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// With access control on, the username of the broker address's credential.
    pub client_id: String,
    /// rumqttc's request queue: sized so it is never waited on.
    pub request_capacity: usize,
    /// Largest packet read; above the protocol's limit, so an oversized payload reaches the
    /// parser and is counted instead of costing the whole connection.
    pub max_incoming_packet: usize,
    pub max_outgoing_packet: usize,
    /// Names the connection in logs (`fleet`, `game master`).
    pub name: &'static str,
}

/// What a connection does with what it hears, in the polling task.
pub trait Listener: Send + 'static {
    /// Subscribed on every connection.
    fn subscriptions(&self) -> Vec<SubscribeFilter>;
    /// Each ConnAck, before the subscriptions go out.
    fn on_connected(&mut self) {}
    /// Must not block: the polling task is the connection.
    fn on_publish(&mut self, publish: Publish);
}

/// The running client. Dropping it cuts the connection; [`ReconnectingClient::shutdown`] says
/// goodbye first.
pub struct ReconnectingClient {
    client: AsyncClient,
    pending: Option<(EventLoop, oneshot::Receiver<()>, watch::Sender<bool>)>,
    subscribed: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    url: String,
    name: &'static str,
}

impl ReconnectingClient {
    /// Prepares the connection to `broker`; nothing is sent before [`run_when`](Self::run_when).
    pub fn new(options: ClientOptions, broker: &BrokerAddress) -> Self {
        let mut mqtt = MqttOptions::new(options.client_id, broker.host.clone(), broker.port);
        mqtt.set_clean_session(true)
            .set_keep_alive(KEEP_ALIVE)
            .set_request_channel_capacity(options.request_capacity)
            .set_max_packet_size(options.max_incoming_packet, options.max_outgoing_packet);
        if let Some(creds) = &broker.credentials {
            mqtt.set_credentials(creds.username.clone(), creds.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(mqtt, options.request_capacity);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let (stop, stop_rx) = oneshot::channel();
        let (subscribed_tx, subscribed) = watch::channel(false);
        Self {
            client,
            pending: Some((eventloop, stop_rx, subscribed_tx)),
            subscribed,
            stop: Some(stop),
            task: None,
            url: broker.url(),
            name: options.name,
        }
    }

    /// The client, to publish through (never waited on: `try_publish`).
    pub fn client(&self) -> AsyncClient {
        self.client.clone()
    }

    /// Connects once `listener` resolves (a link may wait for who receives its messages) and
    /// feeds it from then on; `None` never connects. Only the first call counts. Must run
    /// inside a tokio runtime.
    pub fn run_when<L, F>(&mut self, listener: F)
    where
        L: Listener,
        F: Future<Output = Option<L>> + Send + 'static,
    {
        let Some((eventloop, mut stop, subscribed)) = self.pending.take() else {
            warn!(link = self.name, "the MQTT connection already runs");
            return;
        };
        let poller = Poller {
            client: self.client.clone(),
            subscribed,
            name: self.name,
        };
        let url = self.url.clone();
        self.task = Some(tokio::spawn(async move {
            let listener = tokio::select! {
                _ = &mut stop => return,
                listener = listener => match listener {
                    Some(listener) => listener,
                    None => return,
                },
            };
            info!(link = poller.name, broker = %url, "connecting to the MQTT broker");
            poller.run(eventloop, listener, stop).await;
        }));
    }

    /// Waits until the broker confirmed the subscriptions (so nothing published from now on is
    /// missed), at most `timeout`. False if the broker is not reachable yet: the client keeps
    /// retrying in the background.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        let mut subscribed = self.subscribed.clone();
        tokio::time::timeout(timeout, subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// True while the connection is up and subscribed.
    pub fn subscribed(&self) -> watch::Receiver<bool> {
        self.subscribed.clone()
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

impl Drop for ReconnectingClient {
    fn drop(&mut self) {
        self.stop_now();
    }
}

struct Poller {
    client: AsyncClient,
    subscribed: watch::Sender<bool>,
    name: &'static str,
}

impl Poller {
    async fn run<L: Listener>(
        self,
        mut eventloop: EventLoop,
        mut listener: L,
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
                    info!(
                        link = self.name,
                        "connected to the MQTT broker; subscribing"
                    );
                    listener.on_connected();
                    self.subscribe(listener.subscriptions());
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => listener.on_publish(publish),
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    debug!(link = self.name, pkid = ack.pkid, "subscribed");
                    self.subscribed.send_replace(true);
                }
                Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                    info!(link = self.name, "disconnected from the MQTT broker");
                    return;
                }
                Ok(_) => {}
                Err(ConnectionError::RequestsDone) => return,
                Err(error) => {
                    self.subscribed.send_replace(false);
                    let delay = backoff.next_delay();
                    let retry_in_ms = delay.as_millis() as u64;
                    if std::mem::take(&mut connected) {
                        warn!(link = self.name, %error, retry_in_ms,
                            "MQTT broker link lost, reconnecting");
                    } else {
                        warn!(link = self.name, %error, retry_in_ms,
                            "cannot reach the MQTT broker, retrying");
                    }
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// From a task of its own: this task must keep polling for the request to go out.
    fn subscribe(&self, filters: Vec<SubscribeFilter>) {
        let client = self.client.clone();
        let name = self.name;
        tokio::spawn(async move {
            if let Err(e) = client.subscribe_many(filters).await {
                warn!(link = name, error = %e, "could not subscribe");
            }
        });
    }
}
