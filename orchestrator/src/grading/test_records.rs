//! Records as the recorder keeps them, for grading tests: hand-made ones, and a simulated robot
//! (the agent's simulator world and line follower, stepped in simulated time) that produces
//! what the agent would send, the way `robot-agent/src/behaviour/lap_tests.rs` drives it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fleet_protocol::{
    Command, CommandId, CommandKind, Event, EventKind, LineReading, MotorOutput, Pose, RobotId,
    RobotMode, Telemetry, encode, topic,
};
use robot_agent::behaviour::LineFollower;
use robot_agent::hal::sim::world::edges_between;
use robot_agent::hal::sim::{PhysicsParams, World};

use super::Course;
use crate::domain::{Record, RecordKind};

/// Session times start here (a plausible Unix time, milliseconds).
pub const T0: i64 = 1_764_547_200_000;

pub fn robot(name: &str) -> RobotId {
    RobotId::parse(name).expect("a valid robot id")
}

pub fn telemetry(id: &RobotId, at_ms: i64, seq: u64, line: bool, pose: Option<Pose>) -> Record {
    let mut t = Telemetry::new(seq, at_ms as u64);
    t.mode = RobotMode::LineFollow;
    t.line = LineReading {
        left: false,
        middle: line,
        right: false,
    };
    t.pose = pose;
    Record {
        robot: Some(id.clone()),
        kind: RecordKind::Telemetry,
        at_ms,
        topic: topic::telemetry(id),
        payload: encode(&t),
    }
}

pub fn event(id: &RobotId, at_ms: i64, seq: u64, kind: EventKind) -> Record {
    Record {
        robot: Some(id.clone()),
        kind: RecordKind::Event,
        at_ms,
        topic: topic::events(id),
        payload: encode(&Event::new(seq, at_ms as u64, kind)),
    }
}

pub fn command(id: &RobotId, at_ms: i64, kind: CommandKind) -> Record {
    let cmd_id = CommandId::parse(&format!("c{at_ms}")).expect("a valid command id");
    Record {
        robot: Some(id.clone()),
        kind: RecordKind::Command,
        at_ms,
        topic: topic::cmd(id),
        payload: encode(&Command::new(cmd_id, kind)),
    }
}

/// Physics step, as in the agent's lap tests; the follower ticks every other step (50 Hz).
const STEP_MS: i64 = 10;
/// Telemetry every 50 ms (20 Hz).
const TELEMETRY_EVERY: i64 = 5;

/// One simulated robot and the records a session would hold of it.
pub struct SimRobot {
    pub id: RobotId,
    world: World,
    follower: Option<LineFollower>,
    clock: Instant,
    steps: i64,
    telemetry_seq: u64,
    event_seq: u64,
    mode: RobotMode,
    /// Telemetry is not sent (a link outage: the agent does not number what it does not send).
    pub link_down: bool,
    /// Telemetry is sent and numbered but never recorded (QoS 0 samples lost on the way).
    pub losing_samples: bool,
    /// A push that overrides the follower's motors until the given step.
    shove: Option<(i64, MotorOutput)>,
    pub records: Vec<Record>,
    /// Every event sent, to steer a scenario (the grader reads only the records).
    pub events: Vec<EventKind>,
}

impl SimRobot {
    pub fn new(name: &str, course: &Course, start: Pose) -> Self {
        Self {
            id: robot(name),
            world: World::new(Arc::new(course.clone()), start, PhysicsParams::default()),
            follower: None,
            clock: Instant::now(),
            steps: 0,
            telemetry_seq: 0,
            event_seq: 0,
            mode: RobotMode::Idle,
            link_down: false,
            losing_samples: false,
            shove: None,
            records: Vec::new(),
            events: Vec::new(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        T0 + self.steps * STEP_MS
    }

    fn instant(&self) -> Instant {
        self.clock + Duration::from_millis(self.steps as u64 * STEP_MS as u64)
    }

    fn event(&mut self, kind: EventKind) {
        self.event_seq += 1;
        let record = event(&self.id, self.now_ms(), self.event_seq, kind.clone());
        self.records.push(record);
        self.events.push(kind);
    }

    /// The orchestrator sends a command; the agent acts on it as its runtime does.
    pub fn command(&mut self, kind: CommandKind) {
        let record = command(&self.id, self.now_ms(), kind.clone());
        self.records.push(record);
        match kind {
            CommandKind::LineFollow { speed } => {
                self.end_follow("restarted");
                self.follower = Some(LineFollower::new(speed));
                self.mode = RobotMode::LineFollow;
                let reading = self.world.line_reading();
                self.feed(reading);
            }
            CommandKind::Drive { speed, turn } => {
                self.end_follow("drive command");
                self.mode = RobotMode::Driving;
                let (l, r) = (speed + turn, speed - turn);
                self.world.set_motors(MotorOutput {
                    left: l.clamp(-1.0, 1.0),
                    right: r.clamp(-1.0, 1.0),
                });
            }
            CommandKind::Estop => {
                self.end_follow("estop");
                self.mode = RobotMode::Estopped;
                self.event(EventKind::Estopped);
                self.world.set_motors(MotorOutput::default());
            }
            _ => {}
        }
    }

    fn end_follow(&mut self, reason: &str) {
        if self.follower.take().is_some() {
            self.event(EventKind::LineFollowStopped {
                reason: reason.to_owned(),
            });
        }
        self.world.set_motors(MotorOutput::default());
    }

    /// Lifts the robot and sets it down at `pose` (a student's hand).
    pub fn lift_to(&mut self, pose: Pose) {
        self.world.set_pose(pose);
    }

    /// Pushes the robot off course: these motor outputs win over the follower for `ms`.
    pub fn shove(&mut self, motors: MotorOutput, ms: i64) {
        self.shove = Some((self.steps + ms / STEP_MS, motors));
    }

    fn feed(&mut self, reading: LineReading) {
        let now = self.instant();
        let Some(follower) = self.follower.as_mut() else {
            return;
        };
        let step = follower.update(reading, now);
        self.world.set_motors(step.motors);
        for kind in step.events {
            self.event(kind);
        }
    }

    pub fn step(&mut self) {
        let before = self.world.line_reading();
        let after = self.world.step(STEP_MS as f64 / 1000.0);
        self.steps += 1;
        for (_, _, reading) in edges_between(before, after) {
            self.feed(reading);
        }
        if self.steps % 2 == 0 {
            self.feed(after);
        }
        match self.shove {
            Some((until, motors)) if self.steps < until => self.world.set_motors(motors),
            Some(_) => self.shove = None,
            None => {}
        }
        if self.steps % TELEMETRY_EVERY == 0 && !self.link_down {
            self.telemetry_seq += 1;
            let mut t = Telemetry::new(self.telemetry_seq, self.now_ms() as u64);
            t.mode = self.mode;
            t.line = self.world.line_reading();
            t.motors = self.world.motors();
            t.pose = Some(self.world.pose());
            if !self.losing_samples {
                self.records.push(Record {
                    robot: Some(self.id.clone()),
                    kind: RecordKind::Telemetry,
                    at_ms: self.now_ms(),
                    topic: topic::telemetry(&self.id),
                    payload: encode(&t),
                });
            }
        }
    }

    /// Steps for `ms` of simulated time.
    pub fn run_for(&mut self, ms: i64) {
        for _ in 0..ms / STEP_MS {
            self.step();
        }
    }

    /// Steps until the robot has entered the finish zone `entries` times, at most `limit_ms`.
    pub fn run_until_zone_entries(&mut self, entries: usize, limit_ms: i64) {
        let end = self.steps + limit_ms / STEP_MS;
        while self.count(&EventKind::ZoneEntered) < entries && self.steps < end {
            self.step();
        }
    }

    pub fn count(&self, kind: &EventKind) -> usize {
        self.events.iter().filter(|e| *e == kind).count()
    }
}
