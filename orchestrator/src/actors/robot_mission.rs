//! The robot actor's side of missions (a child module of `robot`, so it can reach the actor's
//! state): attach and detach, and forwarding events, poses and liveness changes to the mission.

use actix::prelude::*;
use fleet_protocol::{Event, Pose};
use tracing::debug;

use super::RobotActor;
use crate::actors::messages::Liveness;
use crate::actors::mission::link::{AttachError, AttachMission, DetachMission, RobotSignal};
use crate::domain::MissionId;

pub(super) struct MissionLink {
    id: MissionId,
    /// What the robot's view shows as its mission.
    pub(super) label: String,
    signals: Recipient<RobotSignal>,
}

impl RobotActor {
    pub(super) fn tell_mission_event(&self, event: &Event) {
        if let Some(link) = &self.mission {
            link.signals.do_send(RobotSignal::Event(event.clone()));
        }
    }

    pub(super) fn tell_mission_pose(&self, pose: Option<Pose>) {
        if let (Some(link), Some(pose)) = (&self.mission, pose) {
            link.signals.do_send(RobotSignal::Pose(pose));
        }
    }

    pub(super) fn tell_mission_liveness(&self, to: Liveness, reason: &str) {
        if let Some(link) = &self.mission {
            link.signals.do_send(RobotSignal::Liveness {
                to,
                reason: reason.to_owned(),
            });
        }
    }
}

impl Handler<AttachMission> for RobotActor {
    type Result = Result<(), AttachError>;

    fn handle(&mut self, msg: AttachMission, _: &mut Context<Self>) -> Self::Result {
        if let Some(link) = &self.mission
            && link.id != msg.mission
            && link.signals.connected()
        {
            return Err(AttachError::Busy {
                robot: self.id().clone(),
                mission: link.id,
            });
        }
        if self.view.state == Liveness::Offline {
            return Err(AttachError::Offline(self.id().clone()));
        }
        if self.mission.as_ref().map(|l| l.id) != Some(msg.mission) {
            debug!(robot = %self.id(), mission = %msg.mission, "mission attached");
        }
        self.mission = Some(MissionLink {
            id: msg.mission,
            label: msg.label,
            signals: msg.signals,
        });
        Ok(())
    }
}

impl Handler<DetachMission> for RobotActor {
    type Result = ();

    fn handle(&mut self, msg: DetachMission, _: &mut Context<Self>) {
        if self.mission.as_ref().is_some_and(|l| l.id == msg.mission) {
            self.mission = None;
        }
    }
}
