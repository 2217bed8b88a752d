//! Actors: the fleet supervisor and one actor per robot.
//!
//! The MQTT link sends every valid robot message ([`Incoming`]) to the [`FleetActor`], which
//! routes it to that robot's [`RobotActor`]. Actors reach the world only through the traits in
//! [`seams`] (publish a command, record, persist), wired once in [`FleetWiring`].

pub mod fleet;
pub mod messages;
pub mod mission;
pub mod robot;
pub mod seams;

#[cfg(test)]
mod fleet_tests;
#[cfg(test)]
mod robot_tests;
#[cfg(test)]
pub(crate) mod test_support;

pub use fleet::{
    BroadcastCommand, FleetActor, FleetStats, GetFleetStats, GetRobot, ListRobots, SendCommand,
    SubscribeChanges,
};
pub use messages::{
    BroadcastOutcome, CommandOutcome, FleetChange, Incoming, LegacyHeard, Liveness, Payload,
    RobotKind, RobotView,
};
pub use robot::{ACK_TIMEOUT, LIVENESS_CHECK_EVERY, RobotActor, STALE_AFTER};
pub use seams::{CommandSink, Discard, FleetWiring, RecordSink, SendError, StateStore};
