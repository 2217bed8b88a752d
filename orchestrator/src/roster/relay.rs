//! The student relay: a student's own program publishes commands on `students/{id}/cmd`; the
//! orchestrator checks each one (the student is in the roster and drives a robot; a release
//! lifts only a stop the student set) and sends it to that robot through the fleet like any
//! other command, so it is recorded, acknowledged and refused during an estop by the robot.
//! The outcome comes back on `students/{id}/answer` as a [`StudentAnswer`].
//!
//! Why a relay and not the broker looking inside the student's payload: the robot cannot tell
//! who published on `robots/{id}/cmd`, and only the embedded broker's publish hook could
//! inspect a payload; Mosquitto's ACLs judge topics alone. With the relay a student may write
//! only its own topic, on either broker, and every check runs in one place, the same as the
//! HTTP API's. The cost is one more hop through the orchestrator (under a millisecond on a
//! LAN), which the enable lease makes a robot depend on anyway.

use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use fleet_protocol::{
    BrokerAddress, Command, CommandId, ErrorCode, PROTOCOL_VERSION, RobotId, Versioned, encode,
    student_topic,
};
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, NetworkOptions, Packet, Publish, QoS};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::{ClassAccess, Commander, StopTarget, StudentId};
use crate::actors::{CommandOutcome, FleetActor, SendCommand};

/// How long the relay waits before reconnecting to a broker that dropped it.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
const KEEP_ALIVE: Duration = Duration::from_secs(5);
const REQUEST_CAPACITY: usize = 1024;

/// The orchestrator's answer to one command from a student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentAnswer {
    pub v: u32,
    /// The id of the student's command, when it could be read.
    pub cmd_id: Option<CommandId>,
    /// The robot it went to (none when the student drives none).
    pub robot: Option<RobotId>,
    /// What came of it: the robot's ack, its refusal, or the orchestrator's (code `estopped`
    /// for a stop the student may not lift, `malformed` for a payload that is no command,
    /// `unsupported` for a student with no robot).
    pub result: CommandOutcome,
}

impl Versioned for StudentAnswer {
    fn version(&self) -> u32 {
        self.v
    }
}

/// The running relay; [`StudentRelay::shutdown`] disconnects it.
pub struct StudentRelay {
    client: AsyncClient,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl StudentRelay {
    /// Connects to `broker` as `client_id` (with the orchestrator's rights) and relays every
    /// student's commands. Must run inside a tokio runtime.
    pub fn start(
        client_id: &str,
        broker: &BrokerAddress,
        class: Arc<ClassAccess>,
        fleet: Addr<FleetActor>,
    ) -> Self {
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options
            .set_clean_session(true)
            .set_keep_alive(KEEP_ALIVE)
            .set_request_channel_capacity(REQUEST_CAPACITY);
        if let Some(c) = &broker.credentials {
            options.set_credentials(c.username.clone(), c.password.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let (stop, stop_rx) = oneshot::channel();
        let relay = Relay {
            client: client.clone(),
            class,
            fleet,
        };
        let task = tokio::spawn(async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = relay.run(eventloop) => {}
            }
        });
        Self {
            client,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn shutdown(mut self) {
        let _ = self.client.try_disconnect();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

#[derive(Clone)]
struct Relay {
    client: AsyncClient,
    class: Arc<ClassAccess>,
    fleet: Addr<FleetActor>,
}

impl Relay {
    async fn run(self, mut eventloop: EventLoop) {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    info!("student relay connected");
                    let filter = student_topic::STUDENT_CMD_FILTER;
                    if let Err(e) = self.client.try_subscribe(filter, QoS::AtLeastOnce) {
                        warn!(error = %e, "student relay cannot subscribe");
                    }
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => self.handle(publish),
                Ok(_) => {}
                Err(e) => {
                    debug!(error = %e, "student relay lost the broker; reconnecting");
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    }

    fn handle(&self, publish: Publish) {
        let Some(student) =
            student_topic::parse_cmd(&publish.topic).and_then(|raw| StudentId::parse(raw).ok())
        else {
            debug!(topic = %publish.topic, "student relay: not a student command topic");
            return;
        };
        let command = match Command::parse(&publish.payload) {
            Ok(command) => command,
            Err(rejected) => {
                let message = rejected.error.to_string();
                self.answer(
                    &student,
                    rejected.id,
                    None,
                    refused(ErrorCode::Malformed, message),
                );
                return;
            }
        };
        // Unknown students get no answer: a removed student's client may still be connected
        // for an instant, and nobody else can publish here.
        let Some(robot) = self.class.directory().robot_of(&student) else {
            debug!(%student, "student relay: not in the roster");
            return;
        };
        let Some(robot) = robot else {
            let why = format!("{student} drives no robot yet: ask the teacher to assign one");
            self.answer(
                &student,
                Some(command.id),
                None,
                refused(ErrorCode::Unsupported, why),
            );
            return;
        };
        let who = Commander::Student {
            student: &student,
            robot: &robot,
        };
        let target = StopTarget::Robots(std::slice::from_ref(&robot));
        if let Err(refusal) = self.class.stops().admit(who, target, &command.kind) {
            let result = refused(ErrorCode::Estopped, refusal.to_string());
            self.answer(&student, Some(command.id), Some(robot), result);
            return;
        }
        let relay = self.clone();
        tokio::spawn(async move {
            let send = SendCommand {
                robot: robot.clone(),
                kind: command.kind,
            };
            let result = relay
                .fleet
                .send(send)
                .await
                .unwrap_or_else(|e| CommandOutcome::Failed {
                    reason: format!("the fleet is not answering: {e}"),
                });
            relay.answer(&student, Some(command.id), Some(robot), result);
        });
    }

    fn answer(
        &self,
        student: &StudentId,
        cmd_id: Option<CommandId>,
        robot: Option<RobotId>,
        result: CommandOutcome,
    ) {
        let answer = StudentAnswer {
            v: PROTOCOL_VERSION,
            cmd_id,
            robot,
            result,
        };
        let topic = student_topic::answer(student.as_str());
        if let Err(e) = self
            .client
            .try_publish(topic, QoS::AtLeastOnce, false, encode(&answer))
        {
            warn!(%student, error = %e, "student relay cannot answer");
        }
    }
}

fn refused(code: ErrorCode, message: String) -> CommandOutcome {
    CommandOutcome::Rejected { code, message }
}
