//! The bare MQTT fan-out an estop is compared against: one QoS 1 publish to N plain rumqttc
//! clients, each answering on its own topic, timed to the last answer. It is what the broker
//! and the client library cost for one broadcast and N acknowledgements, with no orchestrator
//! or agent logic in the way.

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use fleet_protocol::BrokerAddress;

const ASK: &str = "bench/fanout/ask";
const ANSWERS: &str = "bench/fanout/answer/+";
/// One round may take this long before the benchmark gives up on it.
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);

/// N answering clients and one asker, connected and subscribed.
pub struct BareFanout {
    asker: AsyncClient,
    answers: mpsc::UnboundedReceiver<Instant>,
    tasks: Vec<JoinHandle<()>>,
    n: usize,
}

impl BareFanout {
    /// Connects `n` answerers and the asker; `login(name)` gives each client its broker
    /// address (with a credential on an access-controlled broker).
    pub async fn connect(n: usize, login: impl Fn(&str) -> BrokerAddress) -> Self {
        let mut tasks = Vec::with_capacity(n + 1);
        let (subscribed_tx, mut subscribed) = mpsc::unbounded_channel();
        for i in 0..n {
            let (client, mut eventloop) = client(&login(&format!("answer{i}")));
            let answer = format!("bench/fanout/answer/{i}");
            let ready = subscribed_tx.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            let _ = client.try_subscribe(ASK, QoS::AtLeastOnce);
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => {
                            let _ = ready.send(());
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            // try_: never wait on the queue from the task that drains it.
                            let _ = client.try_publish(&answer, QoS::AtLeastOnce, false, p.payload);
                        }
                        Ok(_) => {}
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }));
        }
        let (asker, mut eventloop) = client(&login("asker"));
        let (answers_tx, answers) = mpsc::unbounded_channel();
        {
            let (asker, ready) = (asker.clone(), subscribed_tx.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            let _ = asker.try_subscribe(ANSWERS, QoS::AtLeastOnce);
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => {
                            let _ = ready.send(());
                        }
                        Ok(Event::Incoming(Packet::Publish(_))) => {
                            let _ = answers_tx.send(Instant::now());
                        }
                        Ok(_) => {}
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }));
        }
        for _ in 0..=n {
            tokio::time::timeout(Duration::from_secs(120), subscribed.recv())
                .await
                .expect("every fan-out client subscribes")
                .expect("clients running");
        }
        Self {
            asker,
            answers,
            tasks,
            n,
        }
    }

    /// One publish -> the Nth answer; `None` if some answer did not come in time.
    pub async fn round(&mut self, i: usize) -> Option<Duration> {
        while self.answers.try_recv().is_ok() {}
        let sent = Instant::now();
        self.asker
            .publish(ASK, QoS::AtLeastOnce, false, format!("{i}"))
            .await
            .expect("queue the ask");
        let mut last = sent;
        for _ in 0..self.n {
            match tokio::time::timeout(ROUND_TIMEOUT, self.answers.recv()).await {
                Ok(Some(at)) => last = at,
                _ => return None,
            }
        }
        Some(last - sent)
    }
}

impl Drop for BareFanout {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn client(broker: &BrokerAddress) -> (AsyncClient, rumqttc::EventLoop) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = crate::client_id(broker, || format!("fanout-{}-{n}", std::process::id()));
    let mut options = MqttOptions::new(id, broker.host.clone(), broker.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_inflight(1000)
        .set_request_channel_capacity(10_000);
    crate::set_login(&mut options, broker);
    let (client, mut eventloop) = AsyncClient::new(options, 10_000);
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);
    (client, eventloop)
}
