//! The agent as a player of the course's game: its own MQTT connection on the legacy topics,
//! speaking them through `fleet-game`'s formatter and parser, from what the robot senses:
//! a white zone under the line sensors (scanned: a base's QR code deposits, no code is the
//! capture zone), and hits from its IR receiver (`SHOT_BY`, then 2 s held with LEDs blinking
//! orange, which the robot does itself).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fleet_game::protocol::{game_client_id, player_subscriptions};
use fleet_game::{Answer, Inbound, Outbound, TankId, Team, Weapon};
use fleet_protocol::{Backoff, BrokerAddress};
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, interval, sleep_until};
use tracing::{Instrument, debug, info, info_span, warn};

use super::hold::Hold;
use super::scan::{Scan, Scanned};
use super::zone::{ZoneChange, ZoneWatcher};
use crate::hal::{Hardware, Hit, HitSensor, LineEdge, Scanner};

/// How long a hit robot stays still (the course's rule).
pub const IMMOBILISED: Duration = Duration::from_secs(2);
/// The LEDs' blink period while immobilised.
const BLINK: Duration = Duration::from_millis(250);
const KEEP_ALIVE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum GameModeError {
    #[error("game mode needs a course-style robot id (0x + 12 hex digits, the MAC), not {0:?}")]
    Id(String),
}

/// What the player knows of its game, for tests and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlayerState {
    pub team: Option<Team>,
    pub qr_code: Option<String>,
    /// Registration answered with `END`.
    pub registered: bool,
    /// The game connection is up (a ConnAck seen, no error since).
    pub connected: bool,
    /// Times the game connection failed or was refused (the broker's access control, a
    /// revoked credential, no broker).
    pub link_errors: u64,
    pub carrying: bool,
    pub in_zone: bool,
    pub hits_taken: u32,
    pub immobilised: bool,
    /// Scans of a white zone that have answered (a code, none, or an error), its scanner back.
    pub scans_answered: u32,
    pub winner: Option<Team>,
    /// Every answer heard, in order, as its payload.
    pub heard: Vec<String>,
}

/// A player ready to run, its hardware already wrapped.
pub struct GamePlayer {
    id: TankId,
    edges: broadcast::Receiver<LineEdge>,
    hits: Option<broadcast::Receiver<Hit>>,
    scanner: Option<Box<dyn Scanner>>,
    hold: Hold,
}

/// The running player; stops when dropped.
pub struct GamePlayerHandle {
    state: Arc<Mutex<PlayerState>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl GamePlayerHandle {
    pub fn state(&self) -> PlayerState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for GamePlayerHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl GamePlayer {
    /// Takes what the game needs from `hw` (the scanner; a subscription to the line edges and
    /// hits) and wraps its motors and LEDs for the hold, before the runtime gets `hw`.
    pub fn attach(id: &str, hw: &mut Hardware) -> Result<GamePlayer, GameModeError> {
        let hex = id.strip_prefix("0x").unwrap_or("");
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(GameModeError::Id(id.to_owned()));
        }
        let id = TankId::parse(id).map_err(|_| GameModeError::Id(id.to_owned()))?;
        Ok(GamePlayer {
            id,
            edges: hw.line.edges(),
            hits: hw.hits.as_deref().map(HitSensor::hits),
            scanner: hw.scanner.take(),
            hold: Hold::wrap(hw),
        })
    }

    /// Connects to `broker` on a connection of its own and plays. Its client id: with the
    /// robot's own credential (username = robot id, the main connection's client id),
    /// `<id>@game`, the one second id the embedded broker allows a robot; with a credential of
    /// its own, its username (the broker binds the two); without one, `<id>-game`.
    pub fn spawn(self, broker: &BrokerAddress) -> GamePlayerHandle {
        let client_id = match &broker.credentials {
            Some(c) if c.username == self.id.as_str() => game_client_id(&c.username),
            Some(c) => c.username.clone(),
            None => format!("{}-game", self.id),
        };
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options.set_clean_session(true).set_keep_alive(KEEP_ALIVE);
        if let Some(creds) = &broker.credentials {
            options.set_credentials(creds.username.clone(), creds.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let state = Arc::new(Mutex::new(PlayerState::default()));
        let (stop, stop_rx) = oneshot::channel();
        let span = info_span!("game_player", robot = %self.id);
        let play = Play {
            player: self,
            client,
            state: state.clone(),
            zone: ZoneWatcher::default(),
            held_until: None,
            scanning: None,
        };
        let task = tokio::spawn(
            async move {
                let (answers_tx, answers) = tokio::sync::mpsc::channel(256);
                let poller = tokio::spawn(async move {
                    let mut backoff = Backoff::default();
                    loop {
                        match eventloop.poll().await {
                            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                                backoff.reset();
                                if answers_tx.send(Heard::Connected).await.is_err() {
                                    return;
                                }
                            }
                            Ok(Event::Incoming(Packet::Publish(p))) => {
                                let _ = answers_tx
                                    .try_send(Heard::Message(p.topic, p.payload.to_vec()));
                            }
                            Ok(_) => {}
                            Err(e) => {
                                let _ = answers_tx.try_send(Heard::Lost);
                                let delay = backoff.next_delay();
                                debug!(error = %e, "game link down, retrying");
                                tokio::time::sleep(delay).await;
                            }
                        }
                    }
                });
                play.run(answers, stop_rx).await;
                poller.abort();
            }
            .instrument(span),
        );
        GamePlayerHandle {
            state,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

enum Heard {
    Connected,
    Lost,
    Message(String, Vec<u8>),
}

struct Play {
    player: GamePlayer,
    client: AsyncClient,
    state: Arc<Mutex<PlayerState>>,
    zone: ZoneWatcher,
    held_until: Option<Instant>,
    /// The scan of the zone last entered, until it answers (the scanner is inside it).
    scanning: Option<Scan>,
}

impl Play {
    async fn run(
        mut self,
        mut heard: tokio::sync::mpsc::Receiver<Heard>,
        mut stop: oneshot::Receiver<()>,
    ) {
        let mut blink = interval(BLINK);
        let mut blink_on = false;
        let far = Duration::from_secs(24 * 3600);
        loop {
            let release_at = self.held_until.unwrap_or_else(|| Instant::now() + far);
            let hit = async {
                match self.player.hits.as_mut() {
                    Some(hits) => hits.recv().await,
                    None => std::future::pending().await,
                }
            };
            let scanned = async {
                match self.scanning.as_mut() {
                    Some(scan) => scan.finished().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut stop => return,
                message = heard.recv() => match message {
                    Some(Heard::Connected) => self.on_connected(),
                    Some(Heard::Lost) => self.update(|s| {
                        s.connected = false;
                        s.link_errors += 1;
                    }),
                    Some(Heard::Message(topic, payload)) => self.on_answer(&topic, &payload),
                    None => return,
                },
                edge = self.player.edges.recv() => match edge {
                    Ok(edge) => self.on_edge(edge),
                    Err(RecvError::Lagged(n)) => warn!(missed = n, "line edges lagged"),
                    Err(RecvError::Closed) => return,
                },
                hit = hit => match hit {
                    Ok(hit) => self.on_hit(hit),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => self.player.hits = None,
                },
                scanned = scanned => self.on_scanned(scanned),
                _ = sleep_until(release_at), if self.held_until.is_some() => self.release(),
                _ = blink.tick(), if self.held_until.is_some() => {
                    blink_on = !blink_on;
                    let _ = self.player.hold.blink(blink_on);
                }
            }
        }
    }

    fn update(&self, change: impl FnOnce(&mut PlayerState)) {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn send(&self, message: Inbound) {
        let (topic, payload) = message.to_wire();
        debug!(%topic, %payload, "game message");
        if let Err(e) = self
            .client
            .try_publish(topic, QoS::AtLeastOnce, false, payload)
        {
            warn!(error = %e, "game message not sent");
        }
    }

    /// (Re)subscribes and registers; a registered robot that asks again keeps its team.
    fn on_connected(&mut self) {
        self.update(|s| s.connected = true);
        for topic in player_subscriptions(&self.player.id) {
            if let Err(e) = self.client.try_subscribe(topic, QoS::AtLeastOnce) {
                warn!(error = %e, "cannot subscribe to a game topic");
            }
        }
        self.send(Inbound::Init {
            id: self.player.id.clone(),
        });
    }

    fn on_answer(&mut self, topic: &str, payload: &[u8]) {
        let answer = match Outbound::parse(topic, payload) {
            Ok(outbound) if outbound.to == self.player.id => outbound.answer,
            // Its own messages come back on flag and qr_code: not answers.
            _ => return,
        };
        self.update(|s| {
            s.heard.push(answer.payload());
            match &answer {
                Answer::Team(team) => s.team = Some(*team),
                Answer::QrCode(code) => s.qr_code = Some(code.clone()),
                Answer::End => s.registered = true,
                Answer::FlagCatched => s.carrying = true,
                Answer::FlagLost | Answer::FlagDeposited => s.carrying = false,
                Answer::Win(team) => s.winner = Some(*team),
                _ => {}
            }
        });
        info!(answer = %answer.payload(), "game master");
    }

    fn on_edge(&mut self, edge: LineEdge) {
        match self.zone.on_reading(edge.reading) {
            Some(ZoneChange::Entered) => {
                if let Some(scan) = self.scanning.as_mut() {
                    // Back in a zone before the last scan answered: its answer is for this one.
                    scan.left = false;
                    return;
                }
                match self.player.scanner.take() {
                    Some(scanner) => self.scanning = Some(Scan::start(scanner)),
                    None => self.entered(None),
                }
            }
            Some(ZoneChange::Left) => {
                if let Some(scan) = self.scanning.as_mut() {
                    scan.left = true;
                }
                let was_in_capture = {
                    let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    std::mem::replace(&mut s.in_zone, false)
                };
                if was_in_capture {
                    self.send(Inbound::ExitFlagArea {
                        id: self.player.id.clone(),
                    });
                }
            }
            None => {}
        }
    }

    fn on_scanned(&mut self, scanned: Scanned) {
        let left = self.scanning.take().is_some_and(|scan| scan.left);
        self.update(|s| s.scans_answered += 1);
        if scanned.scanner.is_none() {
            warn!("the scanner is gone: every white zone is the capture zone from now on");
        }
        self.player.scanner = scanned.scanner;
        let code = match scanned.code {
            Ok(code) => code,
            Err(e) => {
                warn!(error = %e, "scan failed");
                None
            }
        };
        match code {
            // Seen while in the base, so still a deposit if the robot has moved on since.
            Some(code) => self.entered(Some(code)),
            None if left => debug!("left the zone before its scan answered: no capture"),
            None => self.entered(None),
        }
    }

    /// In a zone whose scan read `code`: a base (deposit), or with none the capture zone.
    fn entered(&mut self, code: Option<String>) {
        let id = self.player.id.clone();
        match code {
            Some(code) => self.send(Inbound::QrCode { id, code }),
            None => {
                self.update(|s| s.in_zone = true);
                self.send(Inbound::EnterFlagArea { id });
            }
        }
    }

    fn on_hit(&mut self, hit: Hit) {
        if self.held_until.is_some() {
            return;
        }
        let (Some(weapon), Ok(shooter)) = (
            Weapon::from_byte(hit.weapon),
            TankId::parse(&hit.shooter_id()),
        ) else {
            warn!(weapon = hit.weapon, "a hit with an unknown weapon");
            return;
        };
        if shooter == self.player.id {
            return;
        }
        self.send(Inbound::ShotBy {
            victim: self.player.id.clone(),
            shooter,
            weapon,
        });
        if let Err(e) = self.player.hold.hold() {
            warn!(error = %e, "could not stop after a hit");
        }
        self.held_until = Some(Instant::now() + IMMOBILISED);
        self.update(|s| {
            s.hits_taken += 1;
            s.immobilised = true;
        });
    }

    fn release(&mut self) {
        self.held_until = None;
        if let Err(e) = self.player.hold.release() {
            warn!(error = %e, "could not resume after a hit");
        }
        self.update(|s| s.immobilised = false);
    }
}
