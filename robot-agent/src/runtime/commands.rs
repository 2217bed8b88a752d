//! Executing commands: each one is read, checked against the robot's state (estop), carried out
//! on the hardware and acknowledged, ok or with a reason a person can act on.

use fleet_protocol::command::RejectedCommand;
use fleet_protocol::{
    Ack, Capability, Command, CommandKind, ErrorCode, EventKind, LedColour, ProtocolError,
    RobotMode,
};
use tokio::time::Instant;
use tracing::{info, warn};

use super::controller::Controller;
use super::drive::{is_still, mix};
use super::follow::Follower;
use super::unix_ms;
use crate::hal::{HalError, Rgb};

/// Why a command was refused, as its ack will say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl From<HalError> for Refusal {
    fn from(e: HalError) -> Self {
        let code = match e {
            HalError::OutOfRange { .. } => ErrorCode::OutOfRange,
            HalError::Unsupported(_) => ErrorCode::Unsupported,
            HalError::Gpio(_) | HalError::I2c(_) | HalError::Camera(_) => ErrorCode::Hardware,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

fn protocol_code(e: &ProtocolError) -> ErrorCode {
    match e {
        ProtocolError::OutOfRange { .. } => ErrorCode::OutOfRange,
        _ => ErrorCode::Malformed,
    }
}

/// Longest reason copied into a CommandDropped event (serde errors can quote the input).
const MAX_REASON: usize = 200;

/// Whether `kind` would set the robot moving (a drive at zero is a stop, never refused).
fn moves(kind: &CommandKind) -> bool {
    match *kind {
        CommandKind::Drive { speed, turn } => !is_still(mix(speed, turn)),
        _ => kind.is_motion(),
    }
}

impl Controller {
    /// Reads one payload from a command topic (`fleet_wide`: `fleet/cmd`) and answers it;
    /// never fails.
    pub(super) fn on_command_payload(&mut self, payload: &[u8], fleet_wide: bool) {
        let parsed = Command::parse(payload);
        // A readable fleet-wide command renews the lease, first: it may need the robot enabled.
        if fleet_wide && parsed.is_ok() {
            self.on_fleet_command_heard();
        }
        match parsed {
            Ok(cmd) => {
                let ack = match self.execute(&cmd.kind) {
                    Ok(()) => {
                        self.counters.command_ok();
                        Ack::ok(cmd.id, unix_ms())
                    }
                    Err(refusal) => {
                        self.counters.command_err();
                        warn!(cmd = %cmd.id, code = ?refusal.code, reason = %refusal.message, "command refused");
                        Ack::error(cmd.id, unix_ms(), refusal.code, refusal.message)
                    }
                };
                self.out.ack(&ack);
            }
            Err(RejectedCommand {
                id: Some(id),
                error,
            }) => {
                self.counters.command_err();
                warn!(cmd = %id, %error, "unreadable command refused");
                let ack = Ack::error(id, unix_ms(), protocol_code(&error), error.to_string());
                self.out.ack(&ack);
            }
            Err(RejectedCommand { id: None, error }) => {
                self.counters.payload_dropped();
                warn!(%error, len = payload.len(), "dropped a payload with no readable command id");
                let reason: String = error.to_string().chars().take(MAX_REASON).collect();
                self.out.event(EventKind::CommandDropped { reason });
            }
        }
    }

    pub(super) fn execute(&mut self, kind: &CommandKind) -> Result<(), Refusal> {
        if self.estopped && kind.is_motion() {
            return Err(Refusal {
                code: ErrorCode::Estopped,
                message: "emergency stop is latched: send release first".into(),
            });
        }
        if !self.lease.enabled(Instant::now()) && moves(kind) {
            return Err(Refusal {
                code: ErrorCode::NotEnabled,
                message: format!(
                    "no orchestrator heartbeat within the {} ms enable lease: motion waits for \
                     it (ROBOT_AGENT_LEASE_MS=0 runs without an orchestrator)",
                    self.lease.length_ms()
                ),
            });
        }
        match *kind {
            CommandKind::Drive { speed, turn } => {
                self.end_follow("drive command");
                let output = mix(speed, turn);
                self.hw.motors.set(output)?;
                if is_still(output) {
                    self.mode = RobotMode::Idle;
                    self.deadman_at = None;
                } else {
                    self.mode = RobotMode::Driving;
                    self.deadman_at = Some(Instant::now() + self.deadman);
                }
            }
            CommandKind::Stop => {
                self.end_follow("stop command");
                self.deadman_at = None;
                if !self.estopped {
                    self.mode = RobotMode::Idle;
                }
                self.hw.motors.stop()?;
            }
            CommandKind::Servo { joint, angle } => self.hw.servos.set_angle(joint, angle)?,
            CommandKind::Led { r, g, b } => {
                self.hw.leds.set_all(Rgb { r, g, b })?;
                self.leds = Some(LedColour { r, g, b });
            }
            CommandKind::LineFollow { speed } => {
                if !self.hw.info.capabilities.contains(&Capability::LineSensors) {
                    return Err(Refusal {
                        code: ErrorCode::Unsupported,
                        message: "line following needs line sensors, which this robot lacks".into(),
                    });
                }
                self.end_follow("restarted");
                self.deadman_at = None;
                self.follower = Some(Follower::new(speed));
                self.mode = RobotMode::LineFollow;
                info!(speed, "line following started");
                // The first update reports LineFollowStarted and sets the motors.
                self.tick_follower();
            }
            CommandKind::Estop => {
                self.end_follow("estop");
                self.deadman_at = None;
                self.mode = RobotMode::Estopped;
                if !self.estopped {
                    self.estopped = true;
                    self.out.event(EventKind::Estopped);
                    warn!("emergency stop latched");
                }
                // Latched first: even if the stop fails, motion stays refused.
                self.hw.motors.stop()?;
            }
            CommandKind::Shoot => match self.hw.gun.as_mut() {
                Some(gun) => gun.shoot()?,
                None => {
                    return Err(Refusal {
                        code: ErrorCode::Unsupported,
                        message: "this robot has no IR gun".into(),
                    });
                }
            },
            CommandKind::Release => {
                if self.estopped {
                    self.estopped = false;
                    self.mode = RobotMode::Idle;
                    self.out.event(EventKind::Released);
                    info!("emergency stop released");
                }
            }
        }
        Ok(())
    }
}
