//! The fleet supervisor: one [`RobotActor`] per robot id, created on the first message of any
//! kind (the fleet never relies on a retained snapshot to learn its robots), restarted from
//! its last state when it crashes; answers queries and sends commands with one outcome each.

use std::collections::HashMap;

use actix::prelude::*;
use fleet_protocol::{Command, CommandId, CommandKind, RobotId};
use serde::Serialize;
use tokio::sync::{broadcast, oneshot};
use tracing::{error, info, warn};

use super::messages::{
    BroadcastOutcome, CommandOutcome, FleetChange, Incoming, LegacyHeard, Liveness, RobotKind,
    RobotView,
};
use super::robot::{Dispatch, ExpectAck, GetView, RobotActor, RobotExited};
use super::seams::FleetWiring;
use crate::domain::now_ms;
use fleet_protocol::ErrorCode;

/// Every robot, sorted by id.
#[derive(Debug, Message)]
#[rtype(result = "Vec<RobotView>")]
pub struct ListRobots;

#[derive(Debug, Message)]
#[rtype(result = "Option<RobotView>")]
pub struct GetRobot(pub RobotId);

#[derive(Debug, Message)]
#[rtype(result = "FleetStats")]
pub struct GetFleetStats;

/// Sends one command to one robot; answers once the robot acked, refused, or timed out.
#[derive(Debug, Message)]
#[rtype(result = "CommandOutcome")]
pub struct SendCommand {
    pub robot: RobotId,
    pub kind: CommandKind,
}

/// Publishes one command on `fleet/cmd` (stop-all, estop) and collects each robot's ack.
#[derive(Debug, Message)]
#[rtype(result = "BroadcastOutcome")]
pub struct BroadcastCommand {
    pub kind: CommandKind,
}

/// A receiver of [`FleetChange`]s from now on (for a live view).
#[derive(Debug, Message)]
#[rtype(result = "broadcast::Receiver<FleetChange>")]
pub struct SubscribeChanges;

/// Test-only: make one robot's actor panic.
#[cfg(test)]
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct PanicRobot(pub RobotId);

/// Fleet-wide counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FleetStats {
    pub robots: usize,
    pub online: usize,
    pub stale: usize,
    pub offline: usize,
    /// Messages routed to robot actors since start.
    pub routed: u64,
    /// Robot actors restarted after a crash since start.
    pub restarts: u64,
    /// Messages dropped because they named a new robot while the fleet was full
    /// ([`MAX_ROBOTS`]).
    #[serde(default)]
    pub refused_new: u64,
}

/// Legacy robots listed at most (ids off the network must not grow memory without bound).
const MAX_LEGACY: usize = 512;
/// The most robots one fleet holds. A class is tens of robots; with access control the broker
/// lets only enrolled ids in, but `serve --open` (or an external broker without ACLs) lets any
/// client claim new ids: one made 20,000 robots (+43 MB) in 2.8 s. Past the cap, messages
/// naming a new robot are counted and dropped; known robots are unaffected.
pub const MAX_ROBOTS: usize = 1000;
/// A refused new robot is logged once, then every this many.
const REFUSED_LOG_EVERY: u64 = 1000;

struct RobotEntry {
    addr: Addr<RobotActor>,
    generation: u64,
}

pub struct FleetActor {
    wiring: FleetWiring,
    robots: HashMap<RobotId, RobotEntry>,
    /// Students' robots heard only on the game's legacy topics: listed, never commanded.
    legacy: HashMap<RobotId, RobotView>,
    /// States saved before this orchestrator started, to start those robots from.
    known: Vec<RobotView>,
    next_generation: u64,
    /// Command ids are `{prefix}-{seq}`; the prefix (start time) keeps them unique across
    /// restarts of the orchestrator, so a late ack never matches a newer command.
    id_prefix: String,
    next_seq: u64,
    routed: u64,
    restarts: u64,
    max_robots: usize,
    refused_new: u64,
    stopping: bool,
}

impl FleetActor {
    pub fn new(wiring: FleetWiring) -> Self {
        Self {
            wiring,
            robots: HashMap::new(),
            legacy: HashMap::new(),
            known: Vec::new(),
            next_generation: 0,
            id_prefix: format!("o{:x}", now_ms()),
            next_seq: 0,
            routed: 0,
            restarts: 0,
            max_robots: MAX_ROBOTS,
            refused_new: 0,
            stopping: false,
        }
    }

    /// At most `max` robots (default [`MAX_ROBOTS`]).
    pub fn with_max_robots(mut self, max: usize) -> Self {
        self.max_robots = max;
        self
    }

    /// Robots known from the store (last run): listed from the start, in their saved state.
    pub fn with_known_robots(mut self, views: impl IntoIterator<Item = RobotView>) -> Self {
        self.known.extend(views);
        self
    }

    fn spawn_robot(&mut self, view: RobotView, ctx: &mut Context<Self>) -> Addr<RobotActor> {
        self.next_generation += 1;
        let generation = self.next_generation;
        let id = view.id.clone();
        let addr = RobotActor::new(
            view,
            generation,
            self.wiring.clone(),
            ctx.address().recipient(),
        )
        .start();
        self.robots.insert(
            id,
            RobotEntry {
                addr: addr.clone(),
                generation,
            },
        );
        addr
    }

    fn robot(&mut self, id: &RobotId, ctx: &mut Context<Self>) -> Addr<RobotActor> {
        if let Some(entry) = self.robots.get(id) {
            return entry.addr.clone();
        }
        info!(robot = %id, "new robot");
        let _ = self
            .wiring
            .changes
            .send(FleetChange::RobotAdded { robot: id.clone() });
        self.spawn_robot(RobotView::unknown(id.clone()), ctx)
    }

    fn next_command_id(&mut self) -> CommandId {
        self.next_seq += 1;
        let raw = format!("{}-{}", self.id_prefix, self.next_seq);
        // The prefix is hex and the suffix digits: always a valid id.
        CommandId::parse(&raw).expect("generated command ids are valid")
    }

    /// One robot's actor, for messages the fleet only routes (missions attaching).
    pub(super) fn robot_addr(&self, id: &RobotId) -> Option<Addr<RobotActor>> {
        self.robots.get(id).map(|e| e.addr.clone())
    }

    fn addrs(&self) -> Vec<Addr<RobotActor>> {
        self.robots.values().map(|e| e.addr.clone()).collect()
    }
}

/// Asks each robot for its view; a robot restarting right now is left out of this answer.
async fn collect_views(addrs: Vec<Addr<RobotActor>>) -> Vec<RobotView> {
    let mut views = Vec::with_capacity(addrs.len());
    for addr in addrs {
        if let Ok(view) = addr.send(GetView).await {
            views.push(view);
        }
    }
    views.sort_by(|a, b| a.id.cmp(&b.id));
    views
}

impl Actor for FleetActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        for view in std::mem::take(&mut self.known) {
            if !self.robots.contains_key(&view.id) {
                self.spawn_robot(view, ctx);
            }
        }
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.stopping = true;
        Running::Stop
    }
}

impl Handler<Incoming> for FleetActor {
    type Result = ();

    fn handle(&mut self, msg: Incoming, ctx: &mut Context<Self>) {
        if !self.robots.contains_key(&msg.robot) && self.robots.len() >= self.max_robots {
            if self.refused_new.is_multiple_of(REFUSED_LOG_EVERY) {
                warn!(
                    robot = %msg.robot,
                    max = self.max_robots,
                    refused_so_far = self.refused_new + 1,
                    "the fleet is full: a message naming a new robot is dropped"
                );
            }
            self.refused_new += 1;
            return;
        }
        self.routed += 1;
        // do_send: the link must never wait on a robot; a robot mailbox is drained in order.
        self.robot(&msg.robot, ctx).do_send(msg);
    }
}

impl Handler<LegacyHeard> for FleetActor {
    type Result = ();

    fn handle(&mut self, msg: LegacyHeard, _: &mut Context<Self>) {
        if self.robots.contains_key(&msg.robot) {
            return; // the project's agent speaks for it
        }
        if !self.legacy.contains_key(&msg.robot) && self.legacy.len() >= MAX_LEGACY {
            warn!(robot = %msg.robot, "too many legacy robots; not listing another");
            return;
        }
        let view = self.legacy.entry(msg.robot.clone()).or_insert_with(|| {
            info!(robot = %msg.robot, "new legacy robot (game protocol only)");
            let _ = self.wiring.changes.send(FleetChange::RobotAdded {
                robot: msg.robot.clone(),
            });
            RobotView {
                kind: RobotKind::Legacy,
                state: Liveness::Online,
                ..RobotView::unknown(msg.robot.clone())
            }
        });
        view.last_seen_ms = Some(msg.at_ms);
    }
}

impl Handler<RobotExited> for FleetActor {
    type Result = ();

    fn handle(&mut self, msg: RobotExited, ctx: &mut Context<Self>) {
        let current = self
            .robots
            .get(&msg.robot)
            .is_some_and(|e| e.generation == msg.generation);
        if self.stopping || !current {
            return;
        }
        if !msg.panicked {
            // Robot actors only stop on a crash or at shutdown; this is shutdown.
            info!(robot = %msg.robot, "robot actor stopped");
            return;
        }
        self.restarts += 1;
        let mut view = msg.view;
        view.restarts += 1;
        error!(robot = %view.id, restarts = view.restarts, state = view.state.as_str(),
            "robot actor crashed; restarting it from its last state");
        let _ = self.wiring.changes.send(FleetChange::RobotRestarted {
            robot: view.id.clone(),
            restarts: view.restarts,
        });
        self.spawn_robot(view, ctx);
    }
}

impl Handler<ListRobots> for FleetActor {
    type Result = ResponseFuture<Vec<RobotView>>;

    fn handle(&mut self, _: ListRobots, _: &mut Context<Self>) -> Self::Result {
        let legacy: Vec<RobotView> = self
            .legacy
            .values()
            .filter(|v| !self.robots.contains_key(&v.id))
            .cloned()
            .collect();
        let addrs = self.addrs();
        Box::pin(async move {
            let mut views = collect_views(addrs).await;
            views.extend(legacy);
            views.sort_by(|a, b| a.id.cmp(&b.id));
            views
        })
    }
}

impl Handler<GetRobot> for FleetActor {
    type Result = ResponseFuture<Option<RobotView>>;

    fn handle(&mut self, msg: GetRobot, _: &mut Context<Self>) -> Self::Result {
        let addr = self.robots.get(&msg.0).map(|e| e.addr.clone());
        let legacy = self.legacy.get(&msg.0).cloned();
        Box::pin(async move {
            match addr {
                Some(addr) => addr.send(GetView).await.ok(),
                None => legacy,
            }
        })
    }
}

impl Handler<GetFleetStats> for FleetActor {
    type Result = ResponseFuture<FleetStats>;

    fn handle(&mut self, _: GetFleetStats, _: &mut Context<Self>) -> Self::Result {
        let (routed, restarts, robots) = (self.routed, self.restarts, self.robots.len());
        let refused_new = self.refused_new;
        let addrs = self.addrs();
        Box::pin(async move {
            let views = collect_views(addrs).await;
            let count = |s: Liveness| views.iter().filter(|v| v.state == s).count();
            FleetStats {
                robots,
                online: count(Liveness::Online),
                stale: count(Liveness::Stale),
                offline: count(Liveness::Offline),
                routed,
                restarts,
                refused_new,
            }
        })
    }
}

impl Handler<SendCommand> for FleetActor {
    // Not AtomicResponse: waiting here must not block the fleet's mailbox (acks come through it).
    type Result = ResponseActFuture<Self, CommandOutcome>;

    fn handle(&mut self, msg: SendCommand, _: &mut Context<Self>) -> Self::Result {
        let Some(entry) = self.robots.get(&msg.robot) else {
            let outcome = match self.legacy.contains_key(&msg.robot) {
                true => CommandOutcome::Rejected {
                    code: ErrorCode::Unsupported,
                    message: "a legacy robot speaks only the game protocol: it takes no \
                        commands and cannot be stopped remotely"
                        .into(),
                },
                false => CommandOutcome::UnknownRobot,
            };
            return Box::pin(fut::ready(outcome));
        };
        let addr = entry.addr.clone();
        let command = Command::new(self.next_command_id(), msg.kind);
        let (reply, answer) = oneshot::channel();
        addr.do_send(Dispatch { command, reply });
        Box::pin(fut::wrap_future(async move {
            answer.await.unwrap_or_else(|_| CommandOutcome::Failed {
                reason: "the robot's actor stopped before answering".into(),
            })
        }))
    }
}

impl Handler<BroadcastCommand> for FleetActor {
    type Result = ResponseActFuture<Self, BroadcastOutcome>;

    fn handle(&mut self, msg: BroadcastCommand, _: &mut Context<Self>) -> Self::Result {
        let command = Command::new(self.next_command_id(), msg.kind);
        let mut answers = Vec::with_capacity(self.robots.len());
        for (id, entry) in &self.robots {
            let (reply, answer) = oneshot::channel();
            // Queued before the publish below, so each robot knows the id before any ack.
            entry.addr.do_send(ExpectAck {
                cmd_id: command.id.clone(),
                reply,
            });
            answers.push((id.clone(), answer));
        }
        let sent = self.wiring.commands.broadcast(&command);
        if let Err(e) = &sent {
            // The robots' pending entries expire on their own after the ack timeout.
            warn!(cmd = %command.id, error = %e, "broadcast command not sent");
        }
        let cmd_id = command.id;
        Box::pin(fut::wrap_future(async move {
            let mut outcomes = Vec::with_capacity(answers.len());
            for (id, answer) in answers {
                let outcome = match &sent {
                    Err(e) => CommandOutcome::Failed {
                        reason: e.to_string(),
                    },
                    Ok(()) => answer.await.unwrap_or_else(|_| CommandOutcome::Failed {
                        reason: "the robot's actor stopped before answering".into(),
                    }),
                };
                outcomes.push((id, outcome));
            }
            outcomes.sort_by(|a, b| a.0.cmp(&b.0));
            BroadcastOutcome { cmd_id, outcomes }
        }))
    }
}

impl Handler<SubscribeChanges> for FleetActor {
    type Result = MessageResult<SubscribeChanges>;

    fn handle(&mut self, _: SubscribeChanges, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.wiring.changes.subscribe())
    }
}

#[cfg(test)]
impl Handler<PanicRobot> for FleetActor {
    type Result = ();

    fn handle(&mut self, msg: PanicRobot, _: &mut Context<Self>) {
        if let Some(entry) = self.robots.get(&msg.0) {
            entry.addr.do_send(super::robot::Panic);
        }
    }
}
