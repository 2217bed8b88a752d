//! One actor per robot: its liveness (online, stale, offline), its last status and telemetry,
//! and the commands waiting for an ack, each resolved exactly once (ack, refusal, timeout).
//!
//! A robot is stale when its telemetry stops for [`STALE_AFTER`] while no offline status (last
//! will) arrived: the robot may be frozen or out of Wi-Fi range with its TCP link still open.

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;
use fleet_protocol::{AckResult, Command, CommandId, RobotId, RobotState, topic};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::messages::{CommandOutcome, FleetChange, Incoming, Liveness, Payload, RobotView};
use super::seams::FleetWiring;
use crate::domain::{Record, RecordKind, now_ms};

// Missions attach to a robot actor to receive its events and liveness changes.
#[path = "robot_mission.rs"]
mod mission_link;

/// Silence after which an online robot is marked stale: 30 missed samples at 10 Hz.
pub const STALE_AFTER: Duration = Duration::from_secs(3);
/// How often liveness is checked; a stale robot is noticed at most this late.
pub const LIVENESS_CHECK_EVERY: Duration = Duration::from_millis(250);
/// How long a command waits for its ack. An agent acks in about a millisecond on a LAN.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// Publish `command` to this robot and answer on `reply` once it is resolved.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Dispatch {
    pub command: Command,
    pub reply: oneshot::Sender<CommandOutcome>,
}

/// Wait for this robot's ack of a command someone else published (a `fleet/cmd` broadcast).
/// Sent with `do_send` before publishing, so it is in the mailbox ahead of any ack.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct ExpectAck {
    pub cmd_id: CommandId,
    pub reply: oneshot::Sender<CommandOutcome>,
}

#[derive(Debug, Message)]
#[rtype(result = "RobotView")]
pub struct GetView;

/// Sent from `stopped()` to whoever supervises the robot, with the state to restart from.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RobotExited {
    pub robot: RobotId,
    pub generation: u64,
    pub view: RobotView,
    /// The actor stopped because a handler panicked (rather than at shutdown).
    pub panicked: bool,
}

/// Test-only: makes the actor's handler panic, as a bug would.
#[cfg(test)]
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Panic;

struct Pending {
    reply: oneshot::Sender<CommandOutcome>,
    timer: SpawnHandle,
}

pub struct RobotActor {
    view: RobotView,
    /// Tells the supervisor which incarnation exited, so a late exit is not restarted twice.
    generation: u64,
    wiring: FleetWiring,
    exits: Recipient<RobotExited>,
    /// Last telemetry, or when the robot came online (or this actor started), for staleness.
    heard_at: Instant,
    pending: HashMap<CommandId, Pending>,
    /// The mission running on this robot, which hears its events and liveness changes.
    mission: Option<mission_link::MissionLink>,
}

impl RobotActor {
    /// An actor starting from `view` (a fresh [`RobotView::unknown`] or a crashed actor's state).
    pub fn new(
        view: RobotView,
        generation: u64,
        wiring: FleetWiring,
        exits: Recipient<RobotExited>,
    ) -> Self {
        Self {
            view,
            generation,
            wiring,
            exits,
            heard_at: Instant::now(),
            pending: HashMap::new(),
            mission: None,
        }
    }

    fn id(&self) -> &RobotId {
        &self.view.id
    }

    /// The view with the fields derived from the actor's own state filled in.
    fn snapshot(&self) -> RobotView {
        RobotView {
            pending_commands: self.pending.len(),
            mission: self.mission.as_ref().map(|link| link.label.clone()),
            ..self.view.clone()
        }
    }

    /// Moves to `to`: records the change, persists the state and tells the live views.
    fn set_state(&mut self, to: Liveness, reason: &str) {
        let from = self.view.state;
        if from == to {
            return;
        }
        self.view.state = to;
        let at_ms = now_ms();
        info!(robot = %self.id(), from = from.as_str(), to = to.as_str(), reason, "robot state changed");
        let payload = serde_json::json!({
            "from": from, "to": to, "reason": reason,
        });
        self.wiring.records.record(Record {
            robot: Some(self.id().clone()),
            kind: RecordKind::State,
            at_ms,
            // Derived state is filed under the status topic: it is the robot's status as seen here.
            topic: topic::status(self.id()),
            payload: payload.to_string().into_bytes(),
        });
        self.wiring.store.save_robot(&self.snapshot());
        self.tell_mission_liveness(to, reason);
        self.notify(FleetChange::StateChanged {
            robot: self.id().clone(),
            from,
            to,
            at_ms,
        });
    }

    fn notify(&self, change: FleetChange) {
        // No receiver (no dashboard open) is not an error.
        let _ = self.wiring.changes.send(change);
    }

    fn check_liveness(&mut self) {
        if self.view.state == Liveness::Online && self.heard_at.elapsed() >= STALE_AFTER {
            self.set_state(Liveness::Stale, "no telemetry");
        }
    }

    /// Waits for the ack of `cmd_id`, answering `TimedOut` after [`ACK_TIMEOUT`].
    fn track(
        &mut self,
        cmd_id: CommandId,
        reply: oneshot::Sender<CommandOutcome>,
        ctx: &mut Context<Self>,
    ) {
        let timed_out = cmd_id.clone();
        let timer = ctx.run_later(ACK_TIMEOUT, move |act, ctx| {
            if act.resolve(&timed_out, CommandOutcome::TimedOut, ctx) {
                warn!(robot = %act.id(), cmd = %timed_out, "command timed out without an ack");
            }
        });
        if let Some(old) = self.pending.insert(cmd_id, Pending { reply, timer }) {
            // A reused command id: the first caller gets an answer rather than silence.
            ctx.cancel_future(old.timer);
            let _ = old.reply.send(CommandOutcome::Failed {
                reason: "superseded by a command with the same id".into(),
            });
        }
    }

    /// Answers a pending command; false when it was already resolved (late ack, timeout).
    fn resolve(
        &mut self,
        cmd_id: &CommandId,
        outcome: CommandOutcome,
        ctx: &mut Context<Self>,
    ) -> bool {
        match self.pending.remove(cmd_id) {
            Some(pending) => {
                ctx.cancel_future(pending.timer);
                // The caller may have given up waiting; that is its business.
                let _ = pending.reply.send(outcome);
                true
            }
            None => false,
        }
    }

    fn resolve_all(&mut self, outcome: impl Fn() -> CommandOutcome, ctx: &mut Context<Self>) {
        for (_, pending) in self.pending.drain() {
            ctx.cancel_future(pending.timer);
            let _ = pending.reply.send(outcome());
        }
    }

    fn apply(&mut self, msg: Incoming, ctx: &mut Context<Self>) {
        self.view.last_seen_ms = Some(msg.received_at_ms);
        let robot = self.id().clone();
        match msg.payload {
            Payload::Status(status) => {
                match status.state {
                    RobotState::Online => {
                        self.heard_at = Instant::now();
                        self.set_state(Liveness::Online, "birth status");
                    }
                    RobotState::Offline => {
                        let reason = status.reason.as_deref().unwrap_or("offline status");
                        self.set_state(Liveness::Offline, reason);
                        self.resolve_all(|| CommandOutcome::RobotOffline, ctx);
                    }
                }
                self.view.status = Some(status.clone());
                self.notify(FleetChange::StatusUpdated { robot, status });
            }
            Payload::Telemetry(telemetry) => {
                self.heard_at = Instant::now();
                self.tell_mission_pose(telemetry.pose);
                self.view.telemetry = Some(telemetry.clone());
                self.set_state(Liveness::Online, "telemetry");
                self.notify(FleetChange::TelemetryUpdated { robot, telemetry });
            }
            Payload::Event(event) => {
                self.tell_mission_event(&event);
                self.notify(FleetChange::EventReceived { robot, event })
            }
            Payload::Ack(ack) => {
                let cmd_id = ack.cmd_id.clone();
                let outcome = match &ack.result {
                    AckResult::Ok => CommandOutcome::Acked(ack.clone()),
                    AckResult::Error { code, message } => CommandOutcome::Rejected {
                        code: *code,
                        message: message.clone(),
                    },
                };
                if !self.resolve(&cmd_id, outcome, ctx) {
                    debug!(robot = %self.id(), cmd = %cmd_id, "ack for no pending command (late, or sent by another client)");
                }
            }
        }
    }
}

impl Actor for RobotActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(LIVENESS_CHECK_EVERY, |act, _| act.check_liveness());
    }

    fn stopped(&mut self, ctx: &mut Self::Context) {
        // Runs after a panic too (while unwinding), so it must not panic itself.
        let panicked = std::thread::panicking();
        self.resolve_all(
            || CommandOutcome::Failed {
                reason: "the robot's actor stopped before the ack".into(),
            },
            ctx,
        );
        let exited = RobotExited {
            robot: self.id().clone(),
            generation: self.generation,
            view: self.snapshot(),
            panicked,
        };
        self.exits.do_send(exited);
    }
}

impl Handler<Incoming> for RobotActor {
    type Result = ();

    fn handle(&mut self, msg: Incoming, ctx: &mut Context<Self>) {
        self.apply(msg, ctx);
    }
}

impl Handler<Dispatch> for RobotActor {
    type Result = ();

    fn handle(&mut self, msg: Dispatch, ctx: &mut Context<Self>) {
        if self.view.state == Liveness::Offline {
            let _ = msg.reply.send(CommandOutcome::RobotOffline);
            return;
        }
        let cmd_id = msg.command.id.clone();
        // Tracked before publishing so that no ack can arrive for an unknown command.
        self.track(cmd_id.clone(), msg.reply, ctx);
        if let Err(e) = self.wiring.commands.send(self.id(), &msg.command) {
            warn!(robot = %self.id(), cmd = %cmd_id, error = %e, "command not sent");
            let reason = e.to_string();
            self.resolve(&cmd_id, CommandOutcome::Failed { reason }, ctx);
        }
    }
}

impl Handler<ExpectAck> for RobotActor {
    type Result = ();

    fn handle(&mut self, msg: ExpectAck, ctx: &mut Context<Self>) {
        if self.view.state == Liveness::Offline {
            let _ = msg.reply.send(CommandOutcome::RobotOffline);
        } else {
            self.track(msg.cmd_id, msg.reply, ctx);
        }
    }
}

impl Handler<GetView> for RobotActor {
    type Result = MessageResult<GetView>;

    fn handle(&mut self, _: GetView, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.snapshot())
    }
}

#[cfg(test)]
impl Handler<Panic> for RobotActor {
    type Result = ();

    fn handle(&mut self, _: Panic, _: &mut Context<Self>) {
        panic!("test-only panic in robot {}", self.id());
    }
}
