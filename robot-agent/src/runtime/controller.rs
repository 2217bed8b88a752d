//! The controller task: owns the hardware, reacts to the link, commands, sensor edges and
//! timers, and is the only place that decides when the motors stop for safety.

use std::sync::Arc;
use std::time::Duration;

use fleet_protocol::{EventKind, LedColour, RobotMode, Status, Telemetry, topic};
use rumqttc::AsyncClient;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};
use tracing::{debug, error, info, warn};

use super::follow::Follower;
use super::lease::Lease;
use super::link::LinkEvent;
use super::outbox::Outbox;
use super::stats::{AgentState, Counters};
use super::{AgentConfig, unix_ms};
use crate::hal::{Hardware, LineEdge};

/// Why the controller is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Say goodbye: offline status "shutdown", then DISCONNECT.
    Shutdown,
    /// The link was already dropped: just stop the motors.
    Killed,
}

/// The line follower is ticked at ~50 Hz besides reacting to every edge.
const FOLLOW_TICK: Duration = Duration::from_millis(20);

pub(crate) struct Controller {
    pub(super) hw: Hardware,
    pub(super) out: Outbox,
    pub(super) counters: Arc<Counters>,
    state_tx: watch::Sender<AgentState>,
    birth: Status,
    pub(super) deadman: Duration,
    telemetry_period: Duration,
    pub(super) mode: RobotMode,
    pub(super) estopped: bool,
    pub(super) deadman_at: Option<Instant>,
    pub(super) follower: Option<Follower>,
    pub(super) lease: Lease,
    link_up: bool,
    listening: bool,
    /// Motors were stopped by a link loss; the event goes out once the link is back.
    link_loss_pending: bool,
    telemetry_seq: u64,
    /// The colour of the last `led` command executed, reported in telemetry.
    pub(super) leds: Option<LedColour>,
}

impl Controller {
    pub fn new(
        config: &AgentConfig,
        hw: Hardware,
        birth: Status,
        client: AsyncClient,
        counters: Arc<Counters>,
        state_tx: watch::Sender<AgentState>,
    ) -> Self {
        Self {
            hw,
            out: Outbox::new(client, &config.id, counters.clone()),
            counters,
            state_tx,
            birth,
            deadman: config.deadman,
            telemetry_period: Duration::from_secs_f64(1.0 / config.telemetry_hz),
            mode: RobotMode::Idle,
            estopped: false,
            deadman_at: None,
            follower: None,
            lease: Lease::new(config.lease),
            link_up: false,
            listening: false,
            link_loss_pending: false,
            telemetry_seq: 0,
            leds: None,
        }
    }

    /// Runs until told to stop; returns whether a DISCONNECT was queued for the link to send.
    pub async fn run(
        mut self,
        mut link: mpsc::Receiver<LinkEvent>,
        mut stop: oneshot::Receiver<Stop>,
    ) -> bool {
        let mut edges = self.hw.line.edges();
        let mut edges_open = true;
        let mut telemetry = interval(self.telemetry_period);
        telemetry.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut follow_tick = interval(FOLLOW_TICK);
        follow_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        // A far deadline stands in for "disarmed": select! builds every branch's future.
        let far = Duration::from_secs(3600 * 24);
        loop {
            let deadman_at = self.deadman_at.unwrap_or_else(|| Instant::now() + far);
            let lease_deadline = self.lease.deadline();
            let lease_at = lease_deadline.unwrap_or_else(|| Instant::now() + far);
            tokio::select! {
                biased;
                why = &mut stop => {
                    // A dropped handle without a word is treated as a clean shutdown.
                    return self.finish(why.unwrap_or(Stop::Shutdown));
                }
                _ = sleep_until(lease_at), if lease_deadline.is_some() => self.lease_expired(),
                _ = sleep_until(deadman_at), if self.deadman_at.is_some() => self.deadman_fired(),
                event = link.recv() => match event {
                    Some(event) => self.on_link(event),
                    None => {
                        error!("the MQTT link task ended; stopping the motors");
                        return self.finish(Stop::Killed);
                    }
                },
                edge = edges.recv(), if edges_open => match edge {
                    Ok(edge) => self.on_edge(edge),
                    Err(RecvError::Lagged(n)) => warn!(missed = n, "line sensor edges lagged"),
                    Err(RecvError::Closed) => {
                        warn!("line sensors stopped reporting edges");
                        edges_open = false;
                    }
                },
                _ = follow_tick.tick(), if self.follower.is_some() => self.tick_follower(),
                _ = telemetry.tick() => self.publish_telemetry(),
            }
            self.publish_state();
        }
    }

    fn on_link(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Connected => {
                self.link_up = true;
                let birth = Status {
                    ts_ms: unix_ms(),
                    ..self.birth.clone()
                };
                self.out.status(&birth);
                self.out.subscribe_commands(self.lease.is_held());
                if std::mem::take(&mut self.link_loss_pending) {
                    self.out.event(EventKind::LinkLossStop);
                }
                info!("online: birth status published, subscribing to commands");
            }
            LinkEvent::Subscribed => self.listening = true,
            LinkEvent::Disconnected { reason } => {
                self.link_up = false;
                self.listening = false;
                self.lease.link_lost();
                if self.is_active() {
                    self.safety_stop("link lost");
                    self.link_loss_pending = true;
                    warn!(%reason, "broker link lost: motors stopped");
                }
            }
            LinkEvent::Message(publish) => {
                let topic = publish.topic.as_str();
                let fleet_wide = topic == topic::BROADCAST_CMD;
                if fleet_wide || topic == self.out.cmd_topic() {
                    self.on_command_payload(&publish.payload, fleet_wide);
                } else if topic == topic::HEARTBEAT {
                    self.on_heartbeat(&publish.payload);
                } else {
                    debug!(%topic, "ignored a message on a topic we do not serve");
                }
            }
        }
    }

    fn on_edge(&mut self, edge: LineEdge) {
        self.out.event(EventKind::LineEdge {
            sensor: edge.sensor,
            on_line: edge.on_line,
            line: edge.reading,
        });
        if self.follower.is_some() {
            self.step_follower(edge.reading, edge.at);
        }
    }

    pub(super) fn tick_follower(&mut self) {
        let reading = self.hw.line.read();
        // tokio's clock (the same as std's unless a test paused time), like the timers here.
        self.step_follower(reading, Instant::now().into_std());
    }

    fn step_follower(&mut self, reading: fleet_protocol::LineReading, at: std::time::Instant) {
        let Some(follower) = self.follower.as_mut() else {
            return;
        };
        let step = follower.update(reading, at);
        for event in step.events {
            self.out.event(event);
        }
        if let Some(reason) = step.finished {
            // The behaviour reported its own LineFollowStopped among its events.
            info!(%reason, "line following gave up");
            self.follower = None;
            self.stop_motors();
            self.mode = RobotMode::Idle;
        } else if let Err(e) = self.hw.motors.set(step.motors) {
            error!(error = %e, "line follower could not drive the motors");
            self.end_follow("motor fault");
            self.fault(format!("line follower: {e}"));
            self.stop_motors();
            self.mode = RobotMode::Idle;
        }
    }

    /// Stops the line follower if it runs, saying why.
    pub(super) fn end_follow(&mut self, reason: &str) {
        if self.follower.take().is_some() {
            self.out.event(EventKind::LineFollowStopped {
                reason: reason.to_owned(),
            });
        }
    }

    fn deadman_fired(&mut self) {
        self.deadman_at = None;
        let timeout_ms = self.deadman.as_millis() as u64;
        warn!(timeout_ms, "no drive command in time: dead-man stop");
        self.stop_motors();
        if self.mode == RobotMode::Driving {
            self.mode = RobotMode::Idle;
        }
        self.out.event(EventKind::DeadmanStop { timeout_ms });
    }

    /// Whether anything is moving or may move on its own.
    pub(super) fn is_active(&self) -> bool {
        self.follower.is_some()
            || self.mode == RobotMode::Driving
            || !super::drive::is_still(self.hw.motors.output())
    }

    /// Stops motion of any origin (link loss, lease expiry, shutdown).
    pub(super) fn safety_stop(&mut self, reason: &str) {
        self.end_follow(reason);
        self.deadman_at = None;
        self.stop_motors();
        if !self.estopped {
            self.mode = RobotMode::Idle;
        }
    }

    /// Stops the motors; a failure is reported, since nothing else can be done about it here.
    pub(super) fn stop_motors(&mut self) -> bool {
        match self.hw.motors.stop() {
            Ok(()) => true,
            Err(e) => {
                error!(error = %e, "could not stop the motors");
                self.fault(format!("motor stop failed: {e}"));
                false
            }
        }
    }

    pub(super) fn fault(&mut self, message: String) {
        self.out.event(EventKind::Fault { message });
    }

    fn publish_telemetry(&mut self) {
        if !self.link_up {
            return;
        }
        self.telemetry_seq += 1;
        let mut sample = Telemetry::new(self.telemetry_seq, unix_ms());
        sample.mode = self.mode;
        sample.line = self.hw.line.read();
        sample.motors = self.hw.motors.output();
        sample.servos = self.hw.servos.angles();
        sample.pose = self.hw.pose.as_ref().map(|p| p.pose());
        sample.leds = self.leds;
        self.out.telemetry(&sample);
    }

    fn publish_state(&self) {
        let now = AgentState {
            link_up: self.link_up,
            listening: self.listening,
            mode: self.mode,
            motors: self.hw.motors.output(),
            estopped: self.estopped,
            enabled: self.lease.enabled(Instant::now()),
        };
        self.state_tx.send_if_modified(|s| {
            let changed = *s != now;
            *s = now;
            changed
        });
    }

    fn finish(&mut self, why: Stop) -> bool {
        if why == Stop::Killed {
            // The link is about to vanish as in a crash: an event queued now could still reach
            // the broker before the last will and tell a story that never happened.
            self.out.mute();
        }
        self.safety_stop("agent stopping");
        self.publish_state();
        let goodbye = why == Stop::Shutdown && self.link_up;
        if goodbye {
            // Queued before the DISCONNECT on the same connection, so the broker has it first.
            self.out.status(&self.birth.offline("shutdown", unix_ms()));
            self.out.disconnect();
        }
        info!(?why, "agent stopped");
        goodbye
    }
}

impl Drop for Controller {
    // Whatever ends this task (return, abort, panic), the robot is left standing still.
    fn drop(&mut self) {
        let _ = self.hw.motors.stop();
    }
}
