//! The simulated IR gun and receiver: a shot goes through the robot's [`SimArena`] seat, which
//! hits the nearest robot in the cone in front; the receiver hears the hits on this robot.

use tokio::sync::broadcast;

use super::arena::SimArena;
use crate::hal::{Gun, HalError, Hit, HitSensor};

pub struct SimGun {
    pub(super) arena: SimArena,
    pub(super) mac: u64,
}

impl Gun for SimGun {
    fn shoot(&mut self) -> Result<(), HalError> {
        match self.arena.shoot(self.mac) {
            Some(victim) => tracing::debug!(victim = format!("0x{victim:012x}"), "shot hit"),
            None => tracing::debug!("shot missed"),
        }
        Ok(())
    }
}

pub struct SimHitSensor {
    pub(super) hits: broadcast::Sender<Hit>,
}

impl HitSensor for SimHitSensor {
    fn hits(&self) -> broadcast::Receiver<Hit> {
        self.hits.subscribe()
    }
}
