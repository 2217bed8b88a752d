//! Protocol-level helpers over an [`Observer`]: watch a robot's topics, send it a command and
//! wait for the ack, wait for one of its events or statuses.

use std::time::Duration;

use fleet_protocol::{Ack, CommandKind, Event, EventKind, RobotId, RobotState, Status, topic};

use crate::{Broker, Observer, SimRobot, command};

/// How long a test waits for anything a robot should do at once.
pub const WAIT: Duration = Duration::from_secs(5);

/// An observer of a robot's status, ack, events and telemetry topics.
pub async fn observe(broker: &Broker, robot: &SimRobot) -> Observer {
    let topics = [
        topic::status(&robot.id),
        topic::ack(&robot.id),
        topic::events(&robot.id),
        topic::telemetry(&robot.id),
    ];
    let filters: Vec<&str> = topics.iter().map(String::as_str).collect();
    Observer::connect(broker, &filters).await
}

/// Publishes a command to the robot and waits for its ack.
pub async fn send(obs: &Observer, robot: &SimRobot, id: &str, kind: CommandKind) -> Ack {
    obs.publish(&topic::cmd(&robot.id), command(id, kind)).await;
    obs.wait_for(&topic::ack(&robot.id), WAIT, |a: &Ack| {
        a.cmd_id.as_str() == id
    })
    .await
}

/// Waits for an event of the robot matching `pred`.
pub async fn wait_event(
    obs: &Observer,
    robot: &SimRobot,
    pred: impl Fn(&EventKind) -> bool,
) -> Event {
    obs.wait_for(&topic::events(&robot.id), WAIT, |e: &Event| pred(&e.kind))
        .await
}

/// Waits for a status of robot `id` in `state` (for a late observer, the retained one).
pub async fn wait_status(obs: &Observer, id: &RobotId, state: RobotState) -> Status {
    obs.wait_for(&topic::status(id), WAIT, |s: &Status| s.state == state)
        .await
}

/// Straight ahead at `speed`.
pub fn drive(speed: f32) -> CommandKind {
    CommandKind::Drive { speed, turn: 0.0 }
}

/// The simulated motors are at 0.
pub fn is_still(robot: &SimRobot) -> bool {
    let m = robot.sim.motors();
    m.left == 0.0 && m.right == 0.0
}
