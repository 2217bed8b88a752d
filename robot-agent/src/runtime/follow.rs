//! Glue between the controller and the line-following behaviour: keeps the behaviour's clock
//! monotonic (sensor edges carry their own instant, which may precede the last tick) and
//! says when the behaviour gave up.

use std::time::Instant;

use fleet_protocol::{EventKind, LineReading, MotorOutput};

use crate::behaviour::LineFollower;

pub(crate) struct Follower {
    inner: LineFollower,
    last: Option<Instant>,
}

pub(crate) struct FollowStep {
    pub motors: MotorOutput,
    /// The behaviour's events, including its own `LineFollowStopped` when it gives up.
    pub events: Vec<EventKind>,
    /// Set once the behaviour stopped on its own, with its reason.
    pub finished: Option<String>,
}

impl Follower {
    pub fn new(speed: f32) -> Self {
        Self {
            inner: LineFollower::new(speed),
            last: None,
        }
    }

    pub fn update(&mut self, reading: LineReading, at: Instant) -> FollowStep {
        let at = self.last.map_or(at, |last| last.max(at));
        self.last = Some(at);
        let step = self.inner.update(reading, at);
        FollowStep {
            motors: step.motors,
            events: step.events,
            finished: self.inner.stop_reason().map(str::to_owned),
        }
    }
}
