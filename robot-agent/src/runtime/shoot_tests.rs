//! `shoot` on the real RaspTank backend, from the command to the IR transmitter: the agent's
//! controller acks it at once, and the gun's thread writes the course's frame to the LIRC device.

use fleet_protocol::{AckResult, CommandKind};

use super::controller_tests::rig_on;
use super::fake::fake_hardware;
use crate::hal::rasptank;
use crate::hal::rasptank::fake::FakeIo;
use crate::hal::rasptank::ir_tests::{
    FRAME_DCA632BF91CC, as_durations, durations_of, ir_config, next_write,
};

#[tokio::test(start_paused = true)]
async fn a_shoot_command_on_the_rasptank_backend_sends_the_courses_frame_through_lirc() {
    let mut io = FakeIo::default();
    let hardware = rasptank::build(&ir_config(), &mut io).unwrap();
    io.log.take();
    // Not this hardware's probe: this test reads the transmitter's log instead.
    let (_, probe) = fake_hardware();
    let mut rig = rig_on(500, None, hardware, probe).await;
    rig.published();
    rig.command("shot-1", CommandKind::Shoot).await;
    let (acks, _) = rig.split();
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0].result, AckResult::Ok);
    assert_eq!(
        as_durations(&next_write(&io.log)),
        durations_of(FRAME_DCA632BF91CC)
    );
}
