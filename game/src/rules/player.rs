//! What the master knows about one registered robot.

use std::time::{Duration, Instant};

use crate::Team;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub team: Team,
    /// Between its `ENTER_FLAG_AREA` and its `EXIT_FLAG_AREA`.
    pub in_zone: bool,
    /// When its capture completes, while it is capturing.
    pub capture_until: Option<Instant>,
    pub carrying: bool,
    /// Until when the last hit keeps it out of play.
    pub immobilised_until: Option<Instant>,
}

impl Player {
    pub fn new(team: Team) -> Self {
        Self {
            team,
            in_zone: false,
            capture_until: None,
            carrying: false,
            immobilised_until: None,
        }
    }

    pub fn immobilised(&self, now: Instant) -> bool {
        self.immobilised_until.is_some_and(|until| now < until)
    }

    /// Moves its deadlines later by the time the game was paused.
    pub fn postpone(&mut self, by: Duration) {
        for deadline in [&mut self.capture_until, &mut self.immobilised_until]
            .into_iter()
            .flatten()
        {
            *deadline += by;
        }
    }
}
