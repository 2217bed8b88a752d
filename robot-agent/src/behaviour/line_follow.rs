//! Line following: a pure controller from the three line sensors to the two track motors, plus
//! the events a run produces (line lost/found, white zone entered/left, stopped).
//!
//! The runtime calls [`LineFollower::update`] on every line edge and on a ~50 Hz tick (time-based
//! decisions need the tick), applies [`Step::motors`] and publishes [`Step::events`]. It does no
//! I/O, so it runs unchanged on the simulator, the real robot and in tests with a synthetic clock.
//!
//! Behaviour:
//! - Following: the middle sensor alone drives straight; an outer sensor with the middle turns
//!   gently toward it, an outer sensor alone turns hard toward it.
//! - White zone: the line vanishing from under the middle sensor at once (no outer sensor saw
//!   it drift away) means a white zone interrupts it. The robot crosses straight ahead, for at
//!   most `zone_max_length`, and reports `ZoneEntered` once it has been white for
//!   `zone_confirm` (shorter gaps in the tape are ignored), then `ZoneLeft` when the line is
//!   back. A new zone is only reported after `rearm` of following, so a ragged zone edge
//!   counts once. A zone crossed for too long ends in `LineLost` without a `ZoneLeft`.
//! - Lost: the line drifted off to one side. The robot spins toward the side it was last seen
//!   on, reports `LineLost` after `lost_confirm` (a flicker reports nothing), `LineFound` when a
//!   sensor sees it again, and gives up after `give_up_after`: motors stop and the follower
//!   reports `LineFollowStopped` with the reason and stays stopped.
//!
//! The first update reports `LineFollowStarted`; a stop ordered from outside is the runtime's
//! to report.

use std::time::{Duration, Instant};

use fleet_protocol::{EventKind, LineReading, MotorOutput};

#[derive(Debug, Clone, PartialEq)]
pub struct LineFollowConfig {
    /// Forward speed, a fraction of full PWM (0..=1).
    pub speed: f32,
    /// Turn with an outer sensor and the middle on the line: 0 straight, 0.5 pivots on the
    /// inner track, 1 spins in place. 0.2 slows the inner track to 0.6x, as Adeept's turns do.
    pub gentle_turn: f32,
    /// Turn with only an outer sensor on the line.
    pub hard_turn: f32,
    /// Track speed at full PWM, metres per second; turns `zone_max_length` into a time.
    pub full_speed_mps: f32,
    /// The longest white zone crossed straight ahead, metres.
    pub zone_max_length: f32,
    /// White for this long after the line was centred before a zone is reported.
    pub zone_confirm: Duration,
    /// No line for this long before `LineLost` is reported.
    pub lost_confirm: Duration,
    /// Following for this long after leaving a zone before another zone is reported.
    pub rearm: Duration,
    /// Searching for this long without finding the line stops the run.
    pub give_up_after: Duration,
}

impl LineFollowConfig {
    pub fn new(speed: f32) -> Self {
        Self {
            speed: if speed.is_nan() {
                0.0
            } else {
                speed.clamp(0.0, 1.0)
            },
            gentle_turn: 0.2,
            hard_turn: 0.5,
            full_speed_mps: 0.29,
            zone_max_length: 0.3,
            zone_confirm: Duration::from_millis(50),
            lost_confirm: Duration::from_millis(100),
            rearm: Duration::from_millis(500),
            give_up_after: Duration::from_secs(2),
        }
    }

    /// How long crossing `zone_max_length` takes at this speed.
    fn zone_budget(&self) -> Duration {
        let mps = f64::from(self.speed * self.full_speed_mps);
        if mps <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(f64::from(self.zone_max_length) / mps).unwrap_or(Duration::ZERO)
    }
}

/// What to do after one update.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub motors: MotorOutput,
    pub events: Vec<EventKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    NotStarted,
    Following,
    /// Driving straight over white; `zone` when this will be (or was) reported as a zone.
    Crossing {
        since: Instant,
        zone: bool,
        reported: bool,
    },
    Searching {
        since: Instant,
        reported: bool,
    },
    Stopped {
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct LineFollower {
    config: LineFollowConfig,
    mode: Mode,
    /// The side the line was last seen on by an outer sensor alone or with the middle.
    last_side: Side,
    /// The last reading with the line in it had the middle sensor on it.
    centred: bool,
    /// The line has been seen since the start (no `LineLost` before that).
    seen_line: bool,
    /// When the last zone was left; zones are not reported again until `rearm` has passed.
    zone_left_at: Option<Instant>,
    /// The turn applied while following (kept when a reading is ambiguous).
    turn: f32,
}

impl LineFollower {
    /// A follower with default tuning at `speed` (0..=1, clamped).
    pub fn new(speed: f32) -> Self {
        Self::with_config(LineFollowConfig::new(speed))
    }

    pub fn with_config(config: LineFollowConfig) -> Self {
        Self {
            config,
            mode: Mode::NotStarted,
            last_side: Side::Left,
            centred: false,
            seen_line: false,
            zone_left_at: None,
            turn: 0.0,
        }
    }

    pub fn config(&self) -> &LineFollowConfig {
        &self.config
    }

    /// Why the follower gave up, once it has.
    pub fn stop_reason(&self) -> Option<&str> {
        match &self.mode {
            Mode::Stopped { reason } => Some(reason),
            _ => None,
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stop_reason().is_some()
    }

    /// Inside a reported white zone (between `ZoneEntered` and `ZoneLeft`).
    pub fn in_zone(&self) -> bool {
        matches!(
            self.mode,
            Mode::Crossing {
                zone: true,
                reported: true,
                ..
            }
        )
    }

    /// Takes the current reading at `now` (times must not go backwards) and says what to do.
    pub fn update(&mut self, reading: LineReading, now: Instant) -> Step {
        let mut events = Vec::new();
        if self.mode == Mode::NotStarted {
            events.push(EventKind::LineFollowStarted);
            self.mode = Mode::Following;
        }
        let motors = match self.mode.clone() {
            Mode::NotStarted | Mode::Following => {
                if reading.any() {
                    self.follow(reading)
                } else if self.centred {
                    let zone = self.armed(now);
                    self.enter(
                        Mode::Crossing {
                            since: now,
                            zone,
                            reported: false,
                        },
                        now,
                        &mut events,
                    )
                } else {
                    self.enter(
                        Mode::Searching {
                            since: now,
                            reported: false,
                        },
                        now,
                        &mut events,
                    )
                }
            }
            Mode::Crossing { reported, .. } | Mode::Searching { reported, .. } if reading.any() => {
                if reported {
                    events.push(if self.in_zone() {
                        self.zone_left_at = Some(now);
                        EventKind::ZoneLeft
                    } else {
                        EventKind::LineFound
                    });
                }
                self.mode = Mode::Following;
                self.follow(reading)
            }
            mode @ (Mode::Crossing { .. } | Mode::Searching { .. }) => {
                self.enter(mode, now, &mut events)
            }
            Mode::Stopped { .. } => MotorOutput::default(),
        };
        Step { motors, events }
    }

    /// Settles `mode` at `now` with no line under the sensors (it may pass on to searching or
    /// stopping) and returns the motors for where it lands.
    fn enter(&mut self, mode: Mode, now: Instant, events: &mut Vec<EventKind>) -> MotorOutput {
        match mode {
            Mode::Crossing {
                since,
                zone,
                mut reported,
            } => {
                let white_for = now.saturating_duration_since(since);
                if zone && !reported && white_for >= self.config.zone_confirm {
                    events.push(EventKind::ZoneEntered);
                    reported = true;
                }
                if white_for > self.config.zone_budget() {
                    // Not a zone after all, or one too long to cross blind.
                    events.push(EventKind::LineLost);
                    let searching = Mode::Searching {
                        since: now,
                        reported: true,
                    };
                    return self.enter(searching, now, events);
                }
                self.mode = Mode::Crossing {
                    since,
                    zone,
                    reported,
                };
                self.steer(0.0)
            }
            Mode::Searching {
                since,
                mut reported,
            } => {
                let lost_for = now.saturating_duration_since(since);
                if self.seen_line && !reported && lost_for >= self.config.lost_confirm {
                    events.push(EventKind::LineLost);
                    reported = true;
                }
                if lost_for >= self.config.give_up_after {
                    let reason = format!(
                        "line lost for {:.1} s",
                        self.config.give_up_after.as_secs_f64()
                    );
                    events.push(EventKind::LineFollowStopped {
                        reason: reason.clone(),
                    });
                    self.mode = Mode::Stopped { reason };
                    return MotorOutput::default();
                }
                self.mode = Mode::Searching { since, reported };
                // Spin in place toward where the line went.
                self.steer(match self.last_side {
                    Side::Left => 1.0,
                    Side::Right => -1.0,
                })
            }
            other => {
                self.mode = other;
                MotorOutput::default()
            }
        }
    }

    fn armed(&self, now: Instant) -> bool {
        self.zone_left_at
            .is_none_or(|left| now.saturating_duration_since(left) >= self.config.rearm)
    }

    fn follow(&mut self, reading: LineReading) -> MotorOutput {
        let LineReading {
            left,
            middle,
            right,
        } = reading;
        let (gentle, hard) = (self.config.gentle_turn, self.config.hard_turn);
        let turn = match (left, middle, right) {
            (false, true, false) | (true, true, true) => Some(0.0),
            (true, true, false) => Some(gentle),
            (true, false, false) => Some(hard),
            (false, true, true) => Some(-gentle),
            (false, false, true) => Some(-hard),
            // Both outer sensors without the middle (a fork or a crossing): hold course.
            _ => None,
        };
        if let Some(turn) = turn {
            self.turn = turn;
        }
        if left && !right {
            self.last_side = Side::Left;
        } else if right && !left {
            self.last_side = Side::Right;
        }
        self.centred = middle;
        self.seen_line = true;
        self.steer(self.turn)
    }

    /// Motor outputs for `turn` (-1..=1, positive to the left) at the configured speed: the
    /// outer track keeps the speed, the inner one slows by `2 * |turn|` of it.
    fn steer(&self, turn: f32) -> MotorOutput {
        let speed = self.config.speed;
        let inner = speed * (1.0 - 2.0 * turn.abs().min(1.0));
        if turn >= 0.0 {
            MotorOutput {
                left: inner,
                right: speed,
            }
        } else {
            MotorOutput {
                left: speed,
                right: inner,
            }
        }
    }
}
