//! A students' robot as the course's own code is: a plain rumqttc client that writes the legacy
//! protocol's topics and payloads by hand (none of the project's game code), so the tests
//! check the orchestrator against the wire format itself.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fleet_protocol::{BrokerAddress, RobotId};
use orchestrator::broker::Principal;
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::task::JoinHandle;

use crate::{TestApp, client_id, set_login};

const WAIT: Duration = Duration::from_secs(10);
static NEXT: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct Inbox {
    /// What the master sent this robot, oldest first: (topic tail after `tanks/<id>/`, payload).
    heard: Vec<(String, String)>,
    /// This robot's own publishes on topics it also listens to, to drop when they come back.
    own: VecDeque<(String, String)>,
    subacks: u64,
}

pub struct LegacyRobot {
    pub id: String,
    client: AsyncClient,
    inbox: Arc<Mutex<Inbox>>,
    task: JoinHandle<()>,
}

impl LegacyRobot {
    /// Connects to `app`'s broker as robot `id` (`0x...`) with a legacy robot's credential of
    /// its own (with access control on, it reaches only `init` and its `tanks/{id}/...`),
    /// listening to its five answer topics.
    pub async fn connect(app: &TestApp, id: &str) -> LegacyRobot {
        let n = NEXT.fetch_add(1, Relaxed);
        let username = format!("legacy-{id}-{n}");
        let robot = RobotId::parse(id).expect("a valid robot id");
        let broker = app
            .access
            .login(&app.broker, &username, Principal::Legacy(robot))
            .expect("issue a legacy robot's credential");
        let client = client_id(&broker, || username.clone());
        Self::connect_to(&broker, id, &client).await
    }

    /// Connects to `broker` (with its credential, if any) as robot `id` under `client_id`,
    /// listening to its five answer topics: a students' robot on its enrolled credential
    /// (client id = id), or an agent's game connection (`<id>@game`).
    pub async fn connect_to(broker: &BrokerAddress, id: &str, client_id: &str) -> LegacyRobot {
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        set_login(&mut options, broker);
        options.set_keep_alive(Duration::from_secs(5));
        let (client, mut eventloop) = AsyncClient::new(options, 100);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let prefix = format!("tanks/{id}/");
        let (seen, subscriber) = (inbox.clone(), client.clone());
        let topics: Vec<String> = ["init", "flag", "shots/in", "shots/out", "qr_code"]
            .iter()
            .map(|t| format!("{prefix}{t}"))
            .collect();
        let task = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        for topic in &topics {
                            let _ = subscriber.subscribe(topic, QoS::AtLeastOnce).await;
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => lock(&seen).subacks += 1,
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let tail = p.topic.strip_prefix(&prefix).unwrap_or(&p.topic).to_owned();
                        let payload = String::from_utf8_lossy(&p.payload).into_owned();
                        let mut inbox = lock(&seen);
                        let message = (tail, payload);
                        if let Some(i) = inbox.own.iter().position(|m| *m == message) {
                            inbox.own.remove(i);
                        } else {
                            inbox.heard.push(message);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        let robot = LegacyRobot {
            id: id.to_owned(),
            client,
            inbox,
            task,
        };
        let deadline = Instant::now() + WAIT;
        while lock(&robot.inbox).subacks < 5 {
            assert!(Instant::now() < deadline, "{id}: no SubAck from the broker");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        robot
    }

    /// Also subscribes to `filter` (someone else's topics, say) and waits for the broker's
    /// SubAck, granted or not; what arrives is heard under its whole topic.
    pub async fn listen(&self, filter: &str) {
        let before = lock(&self.inbox).subacks;
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("queue a subscribe");
        let deadline = Instant::now() + WAIT;
        while lock(&self.inbox).subacks == before {
            assert!(
                Instant::now() < deadline,
                "{}: no SubAck for {filter}",
                self.id
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Publishes raw bytes anywhere (garbage included).
    pub async fn publish_raw(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        let payload = payload.into();
        let tail = topic.strip_prefix(&format!("tanks/{}/", self.id));
        if let Some(tail @ ("flag" | "qr_code")) = tail {
            let text = String::from_utf8_lossy(&payload).into_owned();
            lock(&self.inbox).own.push_back((tail.to_owned(), text));
        }
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .expect("queue a publish");
    }

    /// Publishes `payload` on `tanks/<id>/<tail>` (`flag`, `shots`, `qr_code`).
    pub async fn send(&self, tail: &str, payload: &str) {
        self.publish_raw(&format!("tanks/{}/{tail}", self.id), payload)
            .await;
    }

    pub async fn init(&self) {
        self.publish_raw("init", format!("INIT {}", self.id)).await;
    }

    pub async fn enter(&self) {
        self.send("flag", "ENTER_FLAG_AREA").await;
    }

    pub async fn exit(&self) {
        self.send("flag", "EXIT_FLAG_AREA").await;
    }

    /// Reports being hit by `shooter` (`0x...`), as its IR receiver decodes it: `0xf1` + MAC.
    pub async fn shot_by(&self, shooter: &LegacyRobot) {
        let mac = shooter.id.trim_start_matches("0x");
        self.send("shots", &format!("SHOT_BY 0xf1{mac}")).await;
    }

    pub async fn scan(&self, code: &str) {
        self.send("qr_code", &format!("QR_CODE {code}")).await;
    }

    /// Everything the master sent so far, as `tail payload` lines.
    pub fn heard(&self) -> Vec<String> {
        lock(&self.inbox)
            .heard
            .iter()
            .map(|(t, p)| format!("{t} {p}"))
            .collect()
    }

    /// What the master sent on one topic so far.
    pub fn heard_on(&self, tail: &str) -> Vec<String> {
        lock(&self.inbox)
            .heard
            .iter()
            .filter(|(t, _)| t == tail)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Waits until `tail` has carried `count` answers; returns them all.
    pub async fn wait_on(&self, tail: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let heard = self.heard_on(tail);
            if heard.len() >= count {
                return heard;
            }
            assert!(
                Instant::now() < deadline,
                "{}: waited for {count} answers on {tail}, heard {:?}",
                self.id,
                self.heard()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until the last answer on `tail` is `payload`.
    pub async fn wait_for(&self, tail: &str, payload: &str) {
        let deadline = Instant::now() + WAIT;
        while self.heard_on(tail).last().map(String::as_str) != Some(payload) {
            assert!(
                Instant::now() < deadline,
                "{}: waited for {tail} {payload}, heard {:?}",
                self.id,
                self.heard()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Registers and returns (team, QR code) from `TEAM x`, `QR_CODE y`, `END`.
    pub async fn register(&self) -> (String, String) {
        let before = self.heard_on("init").len();
        self.init().await;
        let init = self.wait_on("init", before + 3).await;
        let answer = &init[before..before + 3];
        assert_eq!(answer[2], "END", "{}: {answer:?}", self.id);
        let team = answer[0].strip_prefix("TEAM ").expect("TEAM first");
        let code = answer[1].strip_prefix("QR_CODE ").expect("QR_CODE second");
        (team.to_owned(), code.to_owned())
    }
}

impl Drop for LegacyRobot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(inbox: &Mutex<Inbox>) -> std::sync::MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(|p| p.into_inner())
}
