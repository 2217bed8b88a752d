//! Sends commands to robots (`robots/{id}/cmd`, and `fleet/cmd` for all) at QoS 1, recording
//! each one. Never waits: a full request queue is an error the caller turns into an outcome.

use std::sync::Arc;

use fleet_protocol::{Command, RobotId, encode, topic};
use rumqttc::{AsyncClient, QoS};

use super::counters::LinkCounters;
use crate::actors::{CommandSink, RecordSink, SendError};
use crate::domain::now_ms;
use crate::domain::{Record, RecordKind};

/// A cheap-to-clone handle on the link's client.
#[derive(Clone)]
pub struct Publisher {
    client: AsyncClient,
    records: Arc<dyn RecordSink>,
    counters: Arc<LinkCounters>,
}

impl Publisher {
    pub(crate) fn new(
        client: AsyncClient,
        records: Arc<dyn RecordSink>,
        counters: Arc<LinkCounters>,
    ) -> Self {
        Self {
            client,
            records,
            counters,
        }
    }

    fn publish(
        &self,
        robot: Option<&RobotId>,
        topic: String,
        command: &Command,
    ) -> Result<(), SendError> {
        let payload = encode(command);
        // try_publish: an actor calls this, and must not wait on the link's queue.
        match self
            .client
            .try_publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone())
        {
            Ok(()) => {
                self.counters.published();
                self.records.record(Record {
                    robot: robot.cloned(),
                    kind: RecordKind::Command,
                    at_ms: now_ms(),
                    topic,
                    payload,
                });
                Ok(())
            }
            Err(e) => {
                self.counters.publish_failed();
                Err(SendError(e.to_string()))
            }
        }
    }
}

impl CommandSink for Publisher {
    fn send(&self, robot: &RobotId, command: &Command) -> Result<(), SendError> {
        self.publish(Some(robot), topic::cmd(robot), command)
    }

    fn broadcast(&self, command: &Command) -> Result<(), SendError> {
        self.publish(None, topic::BROADCAST_CMD.to_owned(), command)?;
        self.counters.broadcast_sent();
        Ok(())
    }
}
