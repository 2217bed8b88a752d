//! One actor per running mission: it attaches to its robot's actor (to hear the robot's events
//! and liveness), drives the mission's kind (see `course` and `script`), enforces the timeout,
//! and records every state change in SQLite before telling anyone about it, so what the live
//! view shows is always already in the database.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use fleet_course::Course;
use fleet_protocol::{CommandKind, ErrorCode, EventKind, RobotId};
use tokio::sync::broadcast;
use tracing::{error, info, warn};

use super::course::{LapJudge, Verdict};
use super::link::{AttachMission, DetachMission, LocateRobot, RobotSignal};
use super::spec::MissionSpec;
use super::state::MissionState;
use super::{MissionEnded, MissionUpdate};
use crate::actors::fleet::{FleetActor, SendCommand};
use crate::actors::messages::{CommandOutcome, FleetChange, Liveness};
use crate::actors::robot::RobotActor;
use crate::actors::seams::MissionLog;
use crate::domain::{MissionId, now_ms};

/// Missions re-attach this often, so a robot actor restarted after a crash is found again.
const REATTACH_EVERY: Duration = Duration::from_secs(1);

/// Everything a mission actor starts from.
pub struct MissionStart {
    pub id: MissionId,
    pub robot: RobotId,
    pub spec: MissionSpec,
    pub timeout: Duration,
    pub fleet: Addr<FleetActor>,
    pub robot_addr: Addr<RobotActor>,
    pub log: Arc<dyn MissionLog>,
    pub changes: broadcast::Sender<FleetChange>,
    pub control: Recipient<MissionEnded>,
    /// The map the robot drives, for the lap judge (the mission's `map`, else the server's).
    pub course: Arc<Course>,
}

/// Ends a running mission from outside (the API); answers once the end is recorded.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), MissionState>")]
pub struct AbortMission {
    pub reason: String,
}

pub struct MissionActor {
    pub(super) start: MissionStart,
    pub(super) state: MissionState,
    course: Option<LapJudge>,
    /// Shown in live views ("lap 1/2", "step 3/5").
    pub(super) progress: Option<String>,
}

impl MissionActor {
    pub fn new(start: MissionStart) -> Self {
        Self {
            start,
            state: MissionState::Assigned,
            course: None,
            progress: None,
        }
    }

    fn label(&self) -> String {
        format!("#{} {}", self.start.id, self.start.spec.kind())
    }

    fn begin(&mut self, ctx: &mut Context<Self>) {
        match &self.start.spec {
            MissionSpec::LineFollow(spec) => {
                let course = LapJudge::new(spec, self.start.course.clone());
                self.progress = Some(course.progress());
                self.course = Some(course);
                let speed = spec.speed;
                self.command(CommandKind::LineFollow { speed }, ctx, |act, ctx| {
                    act.move_to(MissionState::Running, None, ctx);
                });
            }
            MissionSpec::Script(_) => {
                self.move_to(MissionState::Running, None, ctx);
                self.run_step(0, ctx);
            }
        }
    }

    /// Sends a command to the robot; any answer but an ack ends the mission, saying why.
    pub(super) fn command(
        &mut self,
        kind: CommandKind,
        ctx: &mut Context<Self>,
        on_ack: impl FnOnce(&mut Self, &mut Context<Self>) + 'static,
    ) {
        let name = kind.name();
        let send = self.start.fleet.send(SendCommand {
            robot: self.start.robot.clone(),
            kind,
        });
        ctx.spawn(send.into_actor(self).map(move |answer, act, ctx| {
            if act.state.is_terminal() {
                return;
            }
            let robot = act.start.robot.clone();
            match answer {
                Ok(CommandOutcome::Acked(_)) => on_ack(act, ctx),
                Ok(CommandOutcome::Rejected {
                    code: ErrorCode::Estopped,
                    ..
                }) => act.end(MissionState::Aborted, "emergency stop".into(), false, ctx),
                Ok(CommandOutcome::RobotOffline) => act.end(
                    MissionState::Failed,
                    format!("robot {robot} is offline"),
                    false,
                    ctx,
                ),
                Ok(outcome) => {
                    let why = match outcome {
                        CommandOutcome::Rejected { message, .. } => format!("refused: {message}"),
                        CommandOutcome::TimedOut => "not acknowledged in time".into(),
                        CommandOutcome::UnknownRobot => "the robot is unknown".into(),
                        CommandOutcome::Failed { reason } => reason,
                        CommandOutcome::Acked(_) | CommandOutcome::RobotOffline => {
                            unreachable!("handled above")
                        }
                    };
                    let reason = format!("{name} command to {robot} {why}");
                    act.end(MissionState::Failed, reason, true, ctx);
                }
                Err(e) => act.end(
                    MissionState::Failed,
                    format!("the fleet did not answer: {e}"),
                    false,
                    ctx,
                ),
            }
        }));
    }

    /// Ends the mission in `to` (if it has not ended yet), stopping the robot first when asked.
    pub(super) fn end(
        &mut self,
        to: MissionState,
        reason: String,
        stop_robot: bool,
        ctx: &mut Context<Self>,
    ) {
        if let Some(write) = self.end_future(to, reason, stop_robot) {
            ctx.wait(write);
        }
    }

    fn end_future(
        &mut self,
        to: MissionState,
        reason: String,
        stop_robot: bool,
    ) -> Option<ResponseActFuture<Self, ()>> {
        if self.state.is_terminal() {
            return None;
        }
        if let Some(judge) = &self.course {
            self.progress = Some(judge.final_progress());
        }
        if stop_robot {
            // Fire and forget: the mission is over whether or not the stop is acknowledged.
            self.start.fleet.do_send(SendCommand {
                robot: self.start.robot.clone(),
                kind: CommandKind::Stop,
            });
        }
        self.transition(to, Some(reason))
    }

    pub(super) fn move_to(
        &mut self,
        to: MissionState,
        reason: Option<String>,
        ctx: &mut Context<Self>,
    ) {
        if let Some(write) = self.transition(to, reason) {
            ctx.wait(write);
        }
    }

    /// Changes state now (so later messages see it) and returns the future that records it,
    /// then tells the live views, and for an end detaches and stops the actor.
    fn transition(
        &mut self,
        to: MissionState,
        reason: Option<String>,
    ) -> Option<ResponseActFuture<Self, ()>> {
        let from = self.state;
        if !from.can_move_to(to) {
            return None;
        }
        self.state = to;
        let at_ms = now_ms();
        let (id, robot) = (self.start.id, self.start.robot.clone());
        info!(mission = %id, %robot, from = %from, to = %to, reason = reason.as_deref().unwrap_or(""),
            "mission state changed");
        let write = self
            .start
            .log
            .transition(id, from, to, reason.clone(), at_ms);
        Some(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                match written {
                    Ok(true) => {}
                    Ok(false) => warn!(mission = %id, "mission row was not in state {from}"),
                    Err(e) => error!(mission = %id, "could not record a mission transition: {e}"),
                }
                act.notify(reason, at_ms);
                if to.is_terminal() {
                    act.start.robot_addr.do_send(DetachMission { mission: id });
                    act.start
                        .control
                        .do_send(MissionEnded { robot, mission: id });
                    ctx.stop();
                }
            },
        )))
    }

    pub(super) fn notify(&self, reason: Option<String>, at_ms: i64) {
        let update = MissionUpdate {
            id: self.start.id,
            robot: self.start.robot.clone(),
            kind: self.start.spec.kind(),
            state: self.state,
            reason,
            progress: self.progress.clone(),
            at_ms,
        };
        // No live view open is not an error.
        let _ = self
            .start
            .changes
            .send(FleetChange::MissionChanged { mission: update });
    }

    fn on_event(&mut self, event: &EventKind, ctx: &mut Context<Self>) {
        let Some(course) = self.course.as_mut() else {
            if *event == EventKind::Estopped {
                self.end(MissionState::Aborted, "emergency stop".into(), false, ctx);
            }
            return;
        };
        let verdict = course.on_event(now_ms(), event);
        let progress = course.progress();
        match verdict {
            Verdict::Continue => {
                if self.progress.as_deref() != Some(progress.as_str()) {
                    self.progress = Some(progress);
                    self.notify(None, now_ms());
                }
            }
            Verdict::Succeeded(why) => self.end(MissionState::Succeeded, why, true, ctx),
            Verdict::Failed(why) => self.end(MissionState::Failed, why, true, ctx),
            Verdict::Aborted(why) => self.end(MissionState::Aborted, why, false, ctx),
        }
    }

    fn reattach(&mut self, ctx: &mut Context<Self>) {
        let locate = self.start.fleet.send(LocateRobot(self.start.robot.clone()));
        ctx.spawn(locate.into_actor(self).map(|found, act, ctx| {
            let Ok(Some((addr, _))) = found else { return };
            act.start.robot_addr = addr.clone();
            let attach = AttachMission {
                mission: act.start.id,
                label: act.label(),
                signals: ctx.address().recipient(),
            };
            // An offline robot refuses; its mission already heard it go offline.
            addr.do_send(attach);
        }));
    }
}

impl Actor for MissionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let timeout = self.start.timeout;
        ctx.run_later(timeout, move |act, ctx| {
            let why = format!("not finished within {:.1} s", timeout.as_secs_f64());
            act.end(MissionState::TimedOut, why, true, ctx);
        });
        ctx.run_interval(REATTACH_EVERY, |act, ctx| act.reattach(ctx));
        let attach = self.start.robot_addr.send(AttachMission {
            mission: self.start.id,
            label: self.label(),
            signals: ctx.address().recipient(),
        });
        ctx.wait(
            attach
                .into_actor(self)
                .map(|attached, act, ctx| match attached {
                    Ok(Ok(())) => act.begin(ctx),
                    Ok(Err(e)) => act.end(MissionState::Failed, e.to_string(), false, ctx),
                    Err(e) => act.end(
                        MissionState::Failed,
                        format!("the robot's actor is not answering: {e}"),
                        false,
                        ctx,
                    ),
                }),
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        // Stopped without an end (the system shutting down): free the robot all the same.
        if !self.state.is_terminal() {
            self.start.control.do_send(MissionEnded {
                robot: self.start.robot.clone(),
                mission: self.start.id,
            });
        }
    }
}

impl Handler<RobotSignal> for MissionActor {
    type Result = ();

    fn handle(&mut self, signal: RobotSignal, ctx: &mut Context<Self>) {
        if self.state.is_terminal() {
            return;
        }
        match signal {
            RobotSignal::Event(event) => self.on_event(&event.kind, ctx),
            RobotSignal::Pose(pose) => {
                if let Some(judge) = self.course.as_mut() {
                    judge.on_pose(&pose);
                }
            }
            RobotSignal::Liveness {
                to: Liveness::Offline,
                reason,
            } => self.end(
                MissionState::Failed,
                format!("robot went offline: {reason}"),
                false,
                ctx,
            ),
            RobotSignal::Liveness { .. } => {}
        }
    }
}

impl Handler<AbortMission> for MissionActor {
    type Result = ResponseActFuture<Self, Result<(), MissionState>>;

    fn handle(&mut self, msg: AbortMission, _: &mut Context<Self>) -> Self::Result {
        match self.end_future(MissionState::Aborted, msg.reason, true) {
            Some(write) => Box::pin(write.map(|(), _, _| Ok(()))),
            None => Box::pin(fut::ready(Err(self.state))),
        }
    }
}
