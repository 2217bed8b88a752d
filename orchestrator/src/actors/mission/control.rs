//! The mission supervisor: assigns missions to robots (one mission per robot at a time),
//! starts a [`MissionActor`] for each, aborts them on request and frees a robot when its
//! mission ends. Being one actor, it checks "busy" and reserves the robot in one step, so two
//! assignments racing for one robot cannot both win.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use fleet_course::Course;
use fleet_protocol::RobotId;
use tokio::sync::broadcast;
use tracing::{info, warn};

use super::MissionEnded;
use super::actor::{AbortMission, MissionActor, MissionStart};
use super::link::LocateRobot;
use super::spec::MissionSpec;
use super::state::MissionState;
use crate::actors::fleet::FleetActor;
use crate::actors::messages::{FleetChange, Liveness};
use crate::actors::seams::MissionLog;
use crate::domain::{GroupName, MissionId, now_ms};
use crate::grading::courses::Courses;
use crate::store::StoreError;

/// Assigns `spec` to each robot; one answer per robot, in the order given.
#[derive(Debug, Message)]
#[rtype(result = "Vec<Assignment>")]
pub struct AssignMission {
    pub robots: Vec<RobotId>,
    /// The group the robots were named through, recorded with each mission.
    pub group: Option<GroupName>,
    pub spec: MissionSpec,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub robot: RobotId,
    pub result: Result<MissionId, AssignError>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AssignError {
    #[error("no robot {0} has been seen")]
    UnknownRobot(RobotId),
    #[error("robot {0} is offline")]
    Offline(RobotId),
    #[error("robot {robot} is busy with mission {}", mission.map_or("(starting)".to_owned(), |m| m.to_string()))]
    Busy {
        robot: RobotId,
        mission: Option<MissionId>,
    },
    #[error("could not record the mission")]
    Store(#[source] Arc<StoreError>),
}

/// Aborts a running mission; answers once the abort is recorded.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AbortError>")]
pub struct AbortById {
    pub mission: MissionId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbortError {
    /// Never started here, or already ended (the caller reads the store to tell which).
    #[error("mission {0} is not running")]
    NotRunning(MissionId),
    #[error("mission {id} already ended ({state})")]
    Ended { id: MissionId, state: MissionState },
}

pub struct MissionControl {
    fleet: Addr<FleetActor>,
    log: Arc<dyn MissionLog>,
    changes: broadcast::Sender<FleetChange>,
    /// Busy robots, with their mission once its row exists (`None` while it is being created).
    busy: HashMap<RobotId, Option<MissionId>>,
    running: HashMap<MissionId, Addr<MissionActor>>,
    /// The maps missions drive, for their lap judges: the server's, and those missions name.
    courses: Courses,
}

impl MissionControl {
    pub fn new(
        fleet: Addr<FleetActor>,
        log: impl MissionLog,
        changes: broadcast::Sender<FleetChange>,
        map: Course,
    ) -> Self {
        Self {
            fleet,
            log: Arc::new(log),
            changes,
            busy: HashMap::new(),
            running: HashMap::new(),
            courses: Courses::new(map),
        }
    }
}

impl MissionControl {
    /// The map a mission's robot drives: the one it names (read once), else the server's. A
    /// map that cannot be read is logged and the server's judged on (grading names the error).
    fn course_for(&mut self, spec: &MissionSpec) -> Arc<Course> {
        let named = match spec {
            MissionSpec::LineFollow(s) => s.map.as_deref(),
            MissionSpec::Script(_) => None,
        };
        self.courses.get(named).unwrap_or_else(|e| {
            warn!(error = %e, "the mission's map cannot be read; judging laps on the server's");
            self.courses.server()
        })
    }
}

impl Actor for MissionControl {
    type Context = Context<Self>;
}

impl Handler<AssignMission> for MissionControl {
    type Result = ResponseActFuture<Self, Vec<Assignment>>;

    fn handle(&mut self, msg: AssignMission, _: &mut Context<Self>) -> Self::Result {
        let fleet = self.fleet.clone();
        let robots = msg.robots.clone();
        let locate = async move {
            let mut found = Vec::with_capacity(robots.len());
            for robot in robots {
                let located = fleet.send(LocateRobot(robot.clone())).await.ok().flatten();
                found.push((robot, located));
            }
            found
        };
        Box::pin(locate.into_actor(self).then(move |located, act, _| {
            // Synchronous from here to the reservations: no other message runs in between.
            let mut refused = Vec::new();
            let mut reserved = Vec::new();
            for (robot, found) in located {
                let error = match found {
                    None => Some(AssignError::UnknownRobot(robot.clone())),
                    Some((_, view)) if view.state == Liveness::Offline => {
                        Some(AssignError::Offline(robot.clone()))
                    }
                    Some(_) if act.busy.contains_key(&robot) => Some(AssignError::Busy {
                        robot: robot.clone(),
                        mission: act.busy[&robot],
                    }),
                    Some((addr, _)) => {
                        act.busy.insert(robot.clone(), None);
                        reserved.push((robot.clone(), addr));
                        None
                    }
                };
                if let Some(error) = error {
                    refused.push(Assignment {
                        robot,
                        result: Err(error),
                    });
                }
            }
            let log = act.log.clone();
            let kind = msg.spec.kind();
            let (spec, group) = (msg.spec.clone(), msg.group.clone());
            let insert = async move {
                let mut rows = Vec::with_capacity(reserved.len());
                for (robot, addr) in reserved {
                    let row = log.insert(&robot, &spec, group.as_ref(), now_ms()).await;
                    rows.push((robot, addr, row));
                }
                rows
            };
            insert.into_actor(act).map(move |rows, act, ctx| {
                let mut answers = refused;
                for (robot, robot_addr, row) in rows {
                    let result = match row {
                        Ok(id) => {
                            info!(mission = %id, %robot, kind, "mission assigned");
                            let actor = MissionActor::new(MissionStart {
                                id,
                                robot: robot.clone(),
                                spec: msg.spec.clone(),
                                timeout: msg.timeout,
                                fleet: act.fleet.clone(),
                                robot_addr,
                                log: act.log.clone(),
                                changes: act.changes.clone(),
                                control: ctx.address().recipient(),
                                course: act.course_for(&msg.spec),
                            })
                            .start();
                            act.busy.insert(robot.clone(), Some(id));
                            act.running.insert(id, actor);
                            Ok(id)
                        }
                        Err(e) => {
                            warn!(%robot, "could not record a mission: {e}");
                            act.busy.remove(&robot);
                            Err(AssignError::Store(Arc::new(e)))
                        }
                    };
                    answers.push(Assignment { robot, result });
                }
                let order: Vec<&RobotId> = msg.robots.iter().collect();
                answers.sort_by_key(|a| order.iter().position(|r| **r == a.robot));
                answers
            })
        }))
    }
}

impl Handler<AbortById> for MissionControl {
    type Result = ResponseFuture<Result<(), AbortError>>;

    fn handle(&mut self, msg: AbortById, _: &mut Context<Self>) -> Self::Result {
        let id = msg.mission;
        let Some(actor) = self.running.get(&id).cloned() else {
            return Box::pin(async move { Err(AbortError::NotRunning(id)) });
        };
        Box::pin(async move {
            match actor.send(AbortMission { reason: msg.reason }).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(state)) => Err(AbortError::Ended { id, state }),
                // It stopped between the lookup and the send: it ended on its own.
                Err(_) => Err(AbortError::NotRunning(id)),
            }
        })
    }
}

impl Handler<MissionEnded> for MissionControl {
    type Result = ();

    fn handle(&mut self, msg: MissionEnded, _: &mut Context<Self>) {
        self.running.remove(&msg.mission);
        if self.busy.get(&msg.robot) == Some(&Some(msg.mission)) {
            self.busy.remove(&msg.robot);
        }
    }
}
