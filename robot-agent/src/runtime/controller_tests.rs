//! The controller alone, on fake hardware, with tokio's clock paused: what it does with each
//! command and timer, read back from the fake motors and from the MQTT client's request queue
//! (an event loop that never connects keeps every publish queued for the test to read).

use std::sync::Arc;
use std::time::Duration;

use fleet_protocol::{
    Ack, AckResult, BrokerAddress, Command, CommandId, CommandKind, ErrorCode, Event, EventKind,
    Heartbeat, LineReading, MotorOutput, RobotId, RobotMode, Status, decode, encode, topic,
};
use rumqttc::{AsyncClient, EventLoop, MqttOptions, Publish, QoS, Request};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::AgentConfig;
use super::controller::{Controller, Stop};
use super::fake::{FakeProbe, fake_hardware};
use super::link::LinkEvent;
use super::stats::{AgentState, Counters};
use crate::hal::Hardware;

pub(super) struct Rig {
    pub(super) id: RobotId,
    pub(super) link: mpsc::Sender<LinkEvent>,
    pub(super) stop: Option<oneshot::Sender<Stop>>,
    pub(super) eventloop: EventLoop,
    pub(super) probe: FakeProbe,
    pub(super) state: watch::Receiver<AgentState>,
    pub(super) counters: Arc<Counters>,
    pub(super) task: JoinHandle<bool>,
}

/// A controller without an enable lease (as used without an orchestrator).
async fn rig(deadman_ms: u64) -> Rig {
    rig_with_lease(deadman_ms, None).await
}

pub(super) async fn rig_with_lease(deadman_ms: u64, lease_ms: Option<u64>) -> Rig {
    let (hardware, probe) = fake_hardware();
    rig_on(deadman_ms, lease_ms, hardware, probe).await
}

/// A controller on `hardware`; `probe` is what the rig reads the motors and LEDs back from.
pub(super) async fn rig_on(
    deadman_ms: u64,
    lease_ms: Option<u64>,
    hardware: Hardware,
    probe: FakeProbe,
) -> Rig {
    let id = RobotId::parse("unit").unwrap();
    let mut config = AgentConfig::new(id.clone(), BrokerAddress::new("127.0.0.1", 1));
    config.deadman = Duration::from_millis(deadman_ms);
    config.lease = lease_ms.map(Duration::from_millis);
    let (client, eventloop) = AsyncClient::new(MqttOptions::new("unit", "127.0.0.1", 1), 4096);
    let birth = Status::online(id.clone(), "0", hardware.info.backend, vec![], 0);
    let counters = Arc::new(Counters::default());
    let (state_tx, state) = watch::channel(AgentState::default());
    let controller = Controller::new(&config, hardware, birth, client, counters.clone(), state_tx);
    let (link, link_rx) = mpsc::channel(16);
    let (stop, stop_rx) = oneshot::channel();
    let task = tokio::spawn(controller.run(link_rx, stop_rx));
    let rig = Rig {
        id,
        link,
        stop: Some(stop),
        eventloop,
        probe,
        state,
        counters,
        task,
    };
    rig.link.send(LinkEvent::Connected).await.unwrap();
    settle().await;
    rig
}

/// Lets the controller handle what was sent (time is paused: this advances only the clock).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

impl Rig {
    pub(super) async fn command(&self, id: &str, kind: CommandKind) {
        let cmd = Command::new(CommandId::parse(id).unwrap(), kind);
        self.payload(&topic::cmd(&self.id), encode(&cmd)).await;
    }

    pub(super) async fn payload(&self, topic: &str, bytes: Vec<u8>) {
        let publish = Publish::new(topic, QoS::AtLeastOnce, bytes);
        self.link.send(LinkEvent::Message(publish)).await.unwrap();
        settle().await;
    }

    /// Everything published since the last call, as (topic, payload).
    pub(super) fn published(&mut self) -> Vec<(String, Vec<u8>)> {
        self.eventloop.clean();
        self.eventloop
            .pending
            .drain(..)
            .filter_map(|r| match r {
                Request::Publish(p) => Some((p.topic, p.payload.to_vec())),
                _ => None,
            })
            .collect()
    }

    pub(super) fn split(&mut self) -> (Vec<Ack>, Vec<EventKind>) {
        let (ack_topic, events_topic) = (topic::ack(&self.id), topic::events(&self.id));
        let mut acks = Vec::new();
        let mut events = Vec::new();
        for (topic, payload) in self.published() {
            if topic == ack_topic {
                acks.push(decode::<Ack>(&payload).unwrap());
            } else if topic == events_topic {
                events.push(decode::<Event>(&payload).unwrap().kind);
            }
        }
        (acks, events)
    }

    /// One orchestrator heartbeat, as it arrives from the broker.
    pub(super) async fn beat(&self, seq: u64) {
        self.payload(topic::heartbeat(), encode(&Heartbeat::new(seq, 0)))
            .await;
    }

    pub(super) fn mode(&self) -> RobotMode {
        self.state.borrow().mode
    }
}

pub(super) fn out(left: f32, right: f32) -> MotorOutput {
    MotorOutput { left, right }
}

#[tokio::test(start_paused = true)]
async fn on_connecting_the_birth_status_is_published_retained_and_commands_subscribed() {
    let id = RobotId::parse("unit").unwrap();
    let mut rig = rig(500).await;
    rig.eventloop.clean();
    let requests: Vec<Request> = rig.eventloop.pending.drain(..).collect();
    let birth = requests.iter().find_map(|r| match r {
        Request::Publish(p) if p.topic == topic::status(&id) => Some(p.clone()),
        _ => None,
    });
    let birth = birth.expect("a birth status");
    assert!(birth.retain);
    assert_eq!(
        decode::<Status>(&birth.payload).unwrap().state,
        fleet_protocol::RobotState::Online
    );
    let subscribed: Vec<String> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Subscribe(s) => Some(s.filters.iter().map(|f| f.path.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        subscribed,
        [topic::cmd(&id), topic::BROADCAST_CMD.to_owned()]
    );
}

#[tokio::test(start_paused = true)]
async fn a_drive_command_sets_the_mixed_outputs_and_the_dead_man_stops_them_later() {
    let mut rig = rig(500).await;
    rig.published();
    rig.command(
        "d1",
        CommandKind::Drive {
            speed: 0.5,
            turn: 0.25,
        },
    )
    .await;
    assert_eq!(rig.probe.motors(), out(0.75, 0.25));
    assert_eq!(rig.mode(), RobotMode::Driving);

    // A repeat within the timeout re-arms it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    rig.command(
        "d2",
        CommandKind::Drive {
            speed: 0.5,
            turn: 0.0,
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        rig.probe.motors(),
        out(0.5, 0.5),
        "still driving 400 ms after the repeat"
    );

    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    assert_eq!(rig.mode(), RobotMode::Idle);
    let (acks, events) = rig.split();
    assert!(acks.iter().all(Ack::is_ok) && acks.len() == 2);
    assert_eq!(events, [EventKind::DeadmanStop { timeout_ms: 500 }]);
}

#[tokio::test(start_paused = true)]
async fn an_estop_latches_even_when_the_motors_fail_and_motion_is_refused_until_release() {
    let mut rig = rig(500).await;
    rig.command(
        "d1",
        CommandKind::Drive {
            speed: 0.4,
            turn: 0.0,
        },
    )
    .await;
    rig.probe.fail_motors(true);
    rig.command("e1", CommandKind::Estop).await;
    rig.command(
        "d2",
        CommandKind::Drive {
            speed: 0.4,
            turn: 0.0,
        },
    )
    .await;
    let (acks, events) = rig.split();
    let code = |a: &Ack| match &a.result {
        AckResult::Error { code, .. } => Some(*code),
        AckResult::Ok => None,
    };
    assert_eq!(
        code(&acks[1]),
        Some(ErrorCode::Hardware),
        "the failed stop is reported"
    );
    assert_eq!(code(&acks[2]), Some(ErrorCode::Estopped));
    assert!(events.contains(&EventKind::Estopped));
    assert!(rig.state.borrow().estopped);

    rig.probe.fail_motors(false);
    rig.command("r1", CommandKind::Release).await;
    rig.command(
        "d3",
        CommandKind::Drive {
            speed: 0.4,
            turn: 0.0,
        },
    )
    .await;
    let (acks, events) = rig.split();
    assert!(acks.iter().all(Ack::is_ok), "{acks:?}");
    assert_eq!(events, [EventKind::Released]);
    assert_eq!(rig.probe.motors(), out(0.4, 0.4));
}

#[tokio::test(start_paused = true)]
async fn losing_the_link_stops_the_motors_at_once_and_says_so_after_reconnecting() {
    let mut rig = rig(5_000).await;
    rig.command(
        "d1",
        CommandKind::Drive {
            speed: 0.6,
            turn: 0.0,
        },
    )
    .await;
    rig.link
        .send(LinkEvent::Disconnected {
            reason: "test".into(),
        })
        .await
        .unwrap();
    settle().await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    let (_, events) = rig.split();
    assert!(
        !events.contains(&EventKind::LinkLossStop),
        "not before the link is back"
    );

    rig.link.send(LinkEvent::Connected).await.unwrap();
    settle().await;
    let (_, events) = rig.split();
    assert_eq!(events, [EventKind::LinkLossStop]);
}

#[tokio::test(start_paused = true)]
async fn payloads_on_foreign_topics_are_ignored_and_unreadable_ones_counted() {
    let mut rig = rig(500).await;
    rig.published();
    let stop = encode(&Command::new(
        CommandId::parse("x").unwrap(),
        CommandKind::Stop,
    ));
    rig.payload("robots/other/cmd", stop.clone()).await;
    rig.payload(&topic::cmd(&rig.id), b"\xff\xfe".to_vec())
        .await;
    let (acks, events) = rig.split();
    assert!(acks.is_empty());
    assert!(matches!(events[..], [EventKind::CommandDropped { .. }]));
    assert_eq!(rig.counters.snapshot().payloads_dropped, 1);
    rig.payload(topic::BROADCAST_CMD, stop).await;
    let (acks, _) = rig.split();
    assert_eq!(acks.len(), 1, "a broadcast command is acked");
}

#[tokio::test(start_paused = true)]
async fn a_follower_that_never_finds_the_line_gives_up_stops_and_reports_once() {
    let mut rig = rig(500).await;
    rig.command("f1", CommandKind::LineFollow { speed: 0.5 })
        .await;
    assert_eq!(rig.mode(), RobotMode::LineFollow);
    rig.probe.set_line(LineReading {
        left: true,
        middle: false,
        right: false,
    });
    rig.probe.set_line(LineReading::default());
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    assert_eq!(rig.mode(), RobotMode::Idle);
    let (_, events) = rig.split();
    let stops = events
        .iter()
        .filter(|k| matches!(k, EventKind::LineFollowStopped { .. }))
        .count();
    assert_eq!(stops, 1, "{events:?}");
    assert!(events.contains(&EventKind::LineFollowStarted));
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_stops_the_motors_and_queues_offline_then_disconnect() {
    let mut rig = rig(5_000).await;
    rig.command(
        "d1",
        CommandKind::Drive {
            speed: 0.6,
            turn: 0.0,
        },
    )
    .await;
    rig.published();
    let _ = rig.stop.take().unwrap().send(Stop::Shutdown);
    assert!((&mut rig.task).await.unwrap(), "a disconnect was queued");
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    rig.eventloop.clean();
    let requests: Vec<Request> = rig.eventloop.pending.drain(..).collect();
    let offline = requests.iter().position(|r| {
        matches!(r, Request::Publish(p) if decode::<Status>(&p.payload).is_ok_and(|s| s.reason.as_deref() == Some("shutdown")))
    });
    let disconnect = requests
        .iter()
        .position(|r| matches!(r, Request::Disconnect(_)));
    assert!(offline.is_some() && offline < disconnect, "{requests:?}");
}

#[tokio::test(start_paused = true)]
async fn a_killed_agent_stops_its_motors_and_says_nothing_more() {
    let mut rig = rig(5_000).await;
    rig.command("f1", CommandKind::LineFollow { speed: 0.5 })
        .await;
    assert_eq!(rig.mode(), RobotMode::LineFollow);
    rig.published();
    let _ = rig.stop.take().unwrap().send(Stop::Killed);
    assert!(
        !(&mut rig.task).await.unwrap(),
        "no disconnect after a kill"
    );
    assert_eq!(rig.probe.motors(), out(0.0, 0.0));
    // A last word here could reach the broker before the will and contradict it.
    assert_eq!(rig.published(), Vec::<(String, Vec<u8>)>::new());
}
