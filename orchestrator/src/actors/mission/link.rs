//! How a mission hears its robot: it attaches to the robot's actor, which then forwards every
//! event, pose and liveness change of that robot to it until the mission detaches. At most one
//! mission is attached to a robot at a time (a second one is "busy").

use actix::prelude::*;
use fleet_protocol::{Event, Pose, RobotId};

use crate::actors::messages::{Liveness, RobotView};
use crate::actors::robot::RobotActor;
use crate::domain::MissionId;

/// What a robot actor tells its mission.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum RobotSignal {
    Event(Event),
    /// The pose in the robot's telemetry (a simulated robot has one): the lap judge's checkpoints.
    Pose(Pose),
    Liveness {
        to: Liveness,
        reason: String,
    },
}

/// Attach a mission to a robot's actor. Attaching the same mission again is allowed (missions
/// re-attach periodically, so a robot actor restarted after a crash is found again).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AttachError>")]
pub struct AttachMission {
    pub mission: MissionId,
    /// Shown in the robot's view (`RobotView::mission`).
    pub label: String,
    pub signals: Recipient<RobotSignal>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachError {
    #[error("robot {0} is offline")]
    Offline(RobotId),
    #[error("robot {robot} is busy with mission {mission}")]
    Busy { robot: RobotId, mission: MissionId },
}

/// Detach a mission (ignored if another one is attached).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct DetachMission {
    pub mission: MissionId,
}

/// Asks the fleet for a robot's actor and its current view.
#[derive(Debug, Message)]
#[rtype(result = "Option<(Addr<RobotActor>, RobotView)>")]
pub struct LocateRobot(pub RobotId);

impl Handler<LocateRobot> for crate::actors::fleet::FleetActor {
    type Result = ResponseFuture<Option<(Addr<RobotActor>, RobotView)>>;

    fn handle(&mut self, msg: LocateRobot, _: &mut Context<Self>) -> Self::Result {
        let addr = self.robot_addr(&msg.0);
        Box::pin(async move {
            let addr = addr?;
            let view = addr.send(crate::actors::robot::GetView).await.ok()?;
            Some((addr, view))
        })
    }
}
