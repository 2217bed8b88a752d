//! The simulated QR scanner: reads the code of the base zone the robot stands in (the arena's
//! bases carry one each), nothing elsewhere.

use fleet_course::{Point, ZoneRole};

use super::parts::{SharedWorld, lock};
use crate::hal::{HalError, Scanner};

pub struct SimScanner {
    pub(super) world: SharedWorld,
}

impl Scanner for SimScanner {
    fn scan(&mut self) -> Result<Option<String>, HalError> {
        let world = lock(&self.world);
        let pose = world.pose();
        let code = world
            .map()
            .zone_at(Point::new(pose.x, pose.y))
            .filter(|zone| zone.role == ZoneRole::Base)
            .and_then(|zone| zone.qr_code.clone());
        Ok(code)
    }
}
