//! Who may do what on the broker: a pure function of a [`Principal`] and a topic or filter, so
//! the rules are tested as a table and every broker (the embedded one's hooks, a generated
//! Mosquitto ACL) can apply the same ones.
//!
//! - the orchestrator may do everything (it publishes `fleet/...` and every robot's `cmd`);
//! - a robot publishes only its own `robots/{id}/{status,telemetry,events,ack}` (its last will
//!   included) and subscribes only to its own `cmd` and the fleet topics;
//! - a student publishes only on its own `students/{id}/cmd` (the orchestrator relays to its
//!   robot after checking, see roster/relay.rs) and reads only its robot's topics and its own
//!   `students/{id}/answer`;
//! - a legacy game robot (issue 12: a students' robot, or the agent's game connection) publishes
//!   only `init` and its own `tanks/{id}/{flag,shots,qr_code}`, and reads only its own answer
//!   topics `tanks/{id}/{init,flag,shots/in,shots/out,qr_code}` (or `tanks/{id}/#`);
//! - a robot's own credential carries the legacy game rights of its id too: a students' robot
//!   is enrolled as a robot (`robots enroll 0x...`) and plays the game on that credential,
//!   with its id as client id, as it does behind Mosquitto (whose rights follow the username).
//!
//! Every principal's MQTT client id must be its username, so nobody can take over (and kick)
//! another client's session by reusing its id. One exception: a robot's game connection
//! (`robot-agent --game`, with the robot's own credential) connects as `<id>@game`
//! ([`game_client_id`]), and that connection has a legacy robot's rights only, not the robot's.
//! A legacy robot's `INIT` must name itself, on any connection: nobody registers another
//! robot's id.

use std::borrow::Cow;
use std::fmt;

use fleet_game::protocol::GAME_CLIENT_SUFFIX;
use fleet_game::{Inbound, LegacyTopic};
use fleet_protocol::{RobotId, Topic, TopicKind, student_topic, topic};

/// Who a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The orchestrator's own MQTT link (and trusted tools acting for it).
    Orchestrator,
    /// A robot agent: `robot:<id>`.
    Robot(RobotId),
    /// A student, allowed to drive one robot.
    Student { student: String, robot: RobotId },
    /// A robot speaking the game's legacy protocol (issue 12).
    Legacy(RobotId),
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Orchestrator => write!(f, "orchestrator"),
            Principal::Robot(id) => write!(f, "robot:{id}"),
            Principal::Student { student, robot } => write!(f, "student:{student}@{robot}"),
            Principal::Legacy(id) => write!(f, "legacy:{id}"),
        }
    }
}

/// Why a connection is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectRefusal {
    /// The client id is not the username: it could take over another client's session.
    ClientIdNotUsername,
    /// The last will would publish where this principal may not.
    Will(String),
}

impl fmt::Display for ConnectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectRefusal::ClientIdNotUsername => write!(f, "client id is not the username"),
            ConnectRefusal::Will(topic) => write!(f, "last will on {topic:?} is not allowed"),
        }
    }
}

impl Principal {
    /// Whether `principal` may connect as `client_id` with `username`, leaving a last will on
    /// `will_topic` (rmqtt does not ACL-check wills: this is where they are checked).
    pub fn may_connect(
        &self,
        client_id: &str,
        username: &str,
        will_topic: Option<&str>,
    ) -> Result<(), ConnectRefusal> {
        if client_id != username && !self.is_game_connection(client_id, username) {
            return Err(ConnectRefusal::ClientIdNotUsername);
        }
        match will_topic {
            Some(t) if !self.acting_as(client_id, username).may_publish(t) => {
                Err(ConnectRefusal::Will(t.to_owned()))
            }
            _ => Ok(()),
        }
    }

    /// Whether a robot logged in as `username` connects as its game connection,
    /// `<username>@game` (see [`fleet_game::protocol::game_client_id`]).
    fn is_game_connection(&self, client_id: &str, username: &str) -> bool {
        matches!(self, Principal::Robot(_))
            && client_id.strip_suffix(GAME_CLIENT_SUFFIX) == Some(username)
    }

    /// The rights of the connection `client_id` logged in as `username`: the principal's own,
    /// except a robot's game connection, which has those of the legacy robot of the same id.
    pub fn acting_as(&self, client_id: &str, username: &str) -> Cow<'_, Principal> {
        match self {
            Principal::Robot(id) if self.is_game_connection(client_id, username) => {
                Cow::Owned(Principal::Legacy(id.clone()))
            }
            _ => Cow::Borrowed(self),
        }
    }

    /// Whether this principal may publish `payload` on `topic`: [`may_publish`](Self::may_publish),
    /// and for a legacy robot an `INIT` on `init` only for its own id. Anything on `init` that
    /// names no valid id is let through: the game master counts it as garbage.
    pub fn may_publish_message(&self, topic: &str, payload: &[u8]) -> bool {
        if !self.may_publish(topic) {
            return false;
        }
        match self {
            Principal::Legacy(own) | Principal::Robot(own) if topic == "init" => !matches!(
                Inbound::parse(topic, payload),
                Ok(Inbound::Init { id }) if id != *own
            ),
            _ => true,
        }
    }

    /// Whether this principal may publish on `topic` (a topic name, never a filter).
    pub fn may_publish(&self, topic: &str) -> bool {
        match self {
            Principal::Orchestrator => true,
            Principal::Robot(id) => {
                matches!(
                    Topic::parse(topic),
                    Ok(Topic { robot, kind }) if robot == *id && kind != TopicKind::Cmd
                ) || legacy_may_publish(id, topic)
            }
            Principal::Student { student, .. } => topic == student_topic::cmd(student),
            Principal::Legacy(id) => legacy_may_publish(id, topic),
        }
    }

    /// Whether this principal may subscribe to `filter` (wildcards are judged as written: a
    /// filter is allowed only if everything it can match is allowed).
    pub fn may_subscribe(&self, filter: &str) -> bool {
        match self {
            Principal::Orchestrator => true,
            Principal::Robot(id) => {
                filter == topic::cmd(id)
                    || topic::FLEET_TOPICS.contains(&filter)
                    || reads_only_tank(filter, id)
            }
            Principal::Student { student, robot } => {
                reads_only_robot(filter, robot) || filter == student_topic::answer(student)
            }
            Principal::Legacy(id) => reads_only_tank(filter, id),
        }
    }

    /// Whether this principal skips the per-message checks (the broker's superuser).
    pub fn is_superuser(&self) -> bool {
        *self == Principal::Orchestrator
    }
}

/// `init`, or one of the robot's own `tanks/{id}/{flag,shots,qr_code}`.
fn legacy_may_publish(id: &RobotId, topic: &str) -> bool {
    matches!(
        LegacyTopic::parse(topic),
        Ok(LegacyTopic::Init)
            | Ok(LegacyTopic::Flag(_) | LegacyTopic::Shots(_) | LegacyTopic::QrCode(_))
            if legacy_robot(topic).as_ref() == Some(id) || topic == "init"
    )
}

/// The robot a legacy topic belongs to (`None` for `init`).
fn legacy_robot(topic: &str) -> Option<RobotId> {
    match LegacyTopic::parse(topic).ok()? {
        LegacyTopic::Init => None,
        LegacyTopic::TankInit(id)
        | LegacyTopic::Flag(id)
        | LegacyTopic::Shots(id)
        | LegacyTopic::ShotsIn(id)
        | LegacyTopic::ShotsOut(id)
        | LegacyTopic::QrCode(id) => Some(id),
    }
}

/// One of the robot's own answer topics, `tanks/{id}/#` or `tanks/{id}/+`, nothing wider.
fn reads_only_tank(filter: &str, robot: &RobotId) -> bool {
    let root = format!("tanks/{robot}/");
    if matches!(filter.strip_prefix(&root), Some("#" | "+" | "shots/+")) {
        return true;
    }
    matches!(
        LegacyTopic::parse(filter),
        Ok(LegacyTopic::TankInit(_)
            | LegacyTopic::Flag(_)
            | LegacyTopic::ShotsIn(_)
            | LegacyTopic::ShotsOut(_)
            | LegacyTopic::QrCode(_))
    ) && legacy_robot(filter).as_ref() == Some(robot)
}

/// `robots/{robot}/{kind}`, `robots/{robot}/+` or `robots/{robot}/#`, and nothing wider.
fn reads_only_robot(filter: &str, robot: &RobotId) -> bool {
    // The robot's topic root, `robots/{id}/`, cut from a topic the protocol builds.
    let status = topic::status(robot);
    let root = status
        .strip_suffix(TopicKind::Status.suffix())
        .unwrap_or(&status);
    match filter.strip_prefix(root) {
        Some("+" | "#") => true,
        Some(_) => matches!(Topic::parse(filter), Ok(t) if t.robot == *robot),
        None => false,
    }
}
