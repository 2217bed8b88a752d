//! A plain MQTT client for tests: subscribes (again after every reconnect), records every
//! message it receives with its arrival instant, and publishes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use fleet_protocol::{BrokerAddress, Versioned, decode};
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::Broker;
use crate::wait_until;

#[derive(Debug, Clone)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
    pub at: Instant,
}

/// What a [`Observer::connect_with_feed`] feed brings until `n` messages arrived, or
/// 30 s passed (fewer then: a test asserts on what it got).
pub async fn collect_feed(feed: &mut mpsc::UnboundedReceiver<Received>, n: usize) -> Vec<Received> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + FEED_WAIT;
    while got.len() < n {
        match tokio::time::timeout_at(deadline, feed.recv()).await {
            Ok(Some(m)) => got.push(m),
            _ => break,
        }
    }
    got
}

/// How long [`collect_feed`] waits for the messages it was asked for.
const FEED_WAIT: Duration = Duration::from_secs(30);

pub struct Observer {
    client: AsyncClient,
    log: Arc<Mutex<Vec<Received>>>,
    subacks: Arc<AtomicUsize>,
    filters: usize,
    task: JoinHandle<()>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Observer {
    /// Connects, subscribes to `filters` at QoS 1 and waits for the broker to confirm.
    pub async fn connect(broker: &Broker, filters: &[&str]) -> Observer {
        Self::connect_with_feed(&broker.address(), filters, None).await
    }

    /// As [`connect`](Self::connect), to any broker (the orchestrator's embedded one), also
    /// sending each message to `feed` as it arrives.
    pub async fn connect_with_feed(
        broker: &BrokerAddress,
        filters: &[&str],
        feed: Option<mpsc::UnboundedSender<Received>>,
    ) -> Observer {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut options = MqttOptions::new(
            crate::client_id(broker, || format!("observer-{}-{n}", std::process::id())),
            broker.host.clone(),
            broker.port,
        );
        crate::set_login(&mut options, broker);
        options.set_max_packet_size(1 << 20, 1 << 20);
        options.set_keep_alive(Duration::from_secs(5));
        let (client, mut eventloop) = AsyncClient::new(options, 1024);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let log = Arc::new(Mutex::new(Vec::new()));
        let subacks = Arc::new(AtomicUsize::new(0));
        let owned: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
        let task = {
            let (client, log, subacks) = (client.clone(), log.clone(), subacks.clone());
            tokio::spawn(async move {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            // try_: never wait on the queue from the task that drains it.
                            for f in &owned {
                                client
                                    .try_subscribe(f.clone(), QoS::AtLeastOnce)
                                    .expect("queue subscribe");
                            }
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => {
                            subacks.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            let msg = Received {
                                topic: p.topic.clone(),
                                payload: p.payload.to_vec(),
                                retain: p.retain,
                                at: Instant::now(),
                            };
                            if let Some(feed) = &feed {
                                let _ = feed.send(msg.clone());
                            }
                            log.lock().unwrap_or_else(PoisonError::into_inner).push(msg);
                        }
                        Ok(_) => {}
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            })
        };
        let observer = Observer {
            client,
            log,
            subacks,
            filters: filters.len(),
            task,
        };
        observer.wait_subscribed(1).await;
        observer
    }

    /// Waits until the `nth` connection's subscriptions are all confirmed (1 = the first).
    pub async fn wait_subscribed(&self, nth: usize) {
        let want = self.filters * nth;
        let subacks = self.subacks.clone();
        wait_until(
            Duration::from_secs(10),
            "the observer's subscriptions",
            || subacks.load(Ordering::SeqCst) >= want,
        )
        .await;
    }

    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .expect("queue publish");
    }

    /// Every message received so far on `topic`.
    pub fn on(&self, topic: &str) -> Vec<Received> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter().filter(|m| m.topic == topic).cloned().collect()
    }

    /// Every message on `topic` so far that decodes as `T`.
    pub fn decoded<T: DeserializeOwned + Versioned>(&self, topic: &str) -> Vec<T> {
        self.on(topic)
            .iter()
            .filter_map(|m| decode(&m.payload).ok())
            .collect()
    }

    /// Waits for a message on `topic` that decodes as `T` and satisfies `pred`.
    pub async fn wait_for<T, F>(&self, topic: &str, timeout: Duration, pred: F) -> T
    where
        T: DeserializeOwned + Versioned + std::fmt::Debug,
        F: Fn(&T) -> bool,
    {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.decoded::<T>(topic).into_iter().find(|m| pred(m)) {
                return found;
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .on(topic)
                    .iter()
                    .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
                    .collect();
                panic!("no matching message on {topic} within {timeout:?}; saw {seen:#?}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
