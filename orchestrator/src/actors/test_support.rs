//! Test-only wiring for actor tests: a fake command sink and builders for robot messages.

use std::sync::Arc;

use actix::{Actor, Addr};
use fleet_protocol::{
    Ack, Backend, Command, CommandId, ErrorCode, Event, EventKind, RobotId, Status, Telemetry,
};

use super::fleet::FleetActor;
use super::messages::{Incoming, Payload, RobotView};
use super::seams::{Captured, CommandSink, FleetWiring, SendError};
use crate::domain::Record;
use crate::domain::now_ms;

/// Remembers every command "published": `None` as robot means a `fleet/cmd` broadcast.
#[derive(Default)]
pub(crate) struct FakeCommands {
    pub sent: Captured<(Option<RobotId>, Command)>,
}

impl CommandSink for FakeCommands {
    fn send(&self, robot: &RobotId, command: &Command) -> Result<(), SendError> {
        self.sent.push((Some(robot.clone()), command.clone()));
        Ok(())
    }
    fn broadcast(&self, command: &Command) -> Result<(), SendError> {
        self.sent.push((None, command.clone()));
        Ok(())
    }
}

pub(crate) struct Harness {
    pub fleet: Addr<FleetActor>,
    pub commands: Arc<FakeCommands>,
    pub records: Arc<Captured<Record>>,
    pub saved: Arc<Captured<RobotView>>,
    pub wiring: FleetWiring,
}

pub(crate) fn start_fleet() -> Harness {
    let commands = Arc::new(FakeCommands::default());
    let records = Arc::new(Captured::<Record>::default());
    let saved = Arc::new(Captured::<RobotView>::default());
    let wiring = FleetWiring::new(commands.clone(), records.clone(), saved.clone());
    let fleet = FleetActor::new(wiring.clone()).start();
    Harness {
        fleet,
        commands,
        records,
        saved,
        wiring,
    }
}

pub(crate) fn robot(id: &str) -> RobotId {
    RobotId::parse(id).expect("test ids are valid")
}

pub(crate) fn incoming(id: &str, payload: Payload) -> Incoming {
    Incoming {
        robot: robot(id),
        received_at_ms: now_ms(),
        payload,
    }
}

pub(crate) fn birth(id: &str) -> Incoming {
    let status = Status::online(robot(id), "0.1.0", Backend::Sim, vec![], 1);
    incoming(id, Payload::Status(status))
}

pub(crate) fn last_will(id: &str) -> Incoming {
    let status = Status::online(robot(id), "0.1.0", Backend::Sim, vec![], 1);
    incoming(id, Payload::Status(status.offline("link lost", 2)))
}

pub(crate) fn telemetry(id: &str, seq: u64) -> Incoming {
    incoming(id, Payload::Telemetry(Telemetry::new(seq, seq)))
}

pub(crate) fn event(id: &str) -> Incoming {
    incoming(id, Payload::Event(Event::new(1, 1, EventKind::LineLost)))
}

pub(crate) fn ack_ok(id: &str, cmd: &CommandId) -> Incoming {
    incoming(id, Payload::Ack(Ack::ok(cmd.clone(), 5)))
}

pub(crate) fn ack_error(id: &str, cmd: &CommandId, message: &str) -> Incoming {
    let ack = Ack::error(cmd.clone(), 5, ErrorCode::Estopped, message);
    incoming(id, Payload::Ack(ack))
}
