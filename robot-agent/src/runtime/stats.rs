//! What an [`AgentHandle`](super::AgentHandle) can read while the agent runs: counters of what
//! went in and out, and a snapshot of the robot's state, for tests and the in-process fleet.

use std::sync::atomic::{AtomicU64, Ordering};

use fleet_protocol::{MotorOutput, RobotMode};

/// Counters shared by the agent's tasks (relaxed atomics: they are statistics, not locks).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    commands_ok: AtomicU64,
    commands_err: AtomicU64,
    payloads_dropped: AtomicU64,
    publishes_dropped: AtomicU64,
}

impl Counters {
    pub fn command_ok(&self) {
        self.commands_ok.fetch_add(1, Ordering::Relaxed);
    }
    pub fn command_err(&self) {
        self.commands_err.fetch_add(1, Ordering::Relaxed);
    }
    pub fn payload_dropped(&self) {
        self.payloads_dropped.fetch_add(1, Ordering::Relaxed);
    }
    pub fn publish_dropped(&self) {
        self.publishes_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> AgentStats {
        AgentStats {
            commands_ok: self.commands_ok.load(Ordering::Relaxed),
            commands_err: self.commands_err.load(Ordering::Relaxed),
            payloads_dropped: self.payloads_dropped.load(Ordering::Relaxed),
            publishes_dropped: self.publishes_dropped.load(Ordering::Relaxed),
        }
    }
}

/// A copy of the agent's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Commands executed and acknowledged ok.
    pub commands_ok: u64,
    /// Commands acknowledged with an error (refused, out of range, hardware failure, unreadable
    /// but with a recoverable id).
    pub commands_err: u64,
    /// Payloads dropped without an ack: unreadable with no id, oversized, or arriving faster
    /// than the agent could queue them.
    pub payloads_dropped: u64,
    /// Outgoing messages dropped because the MQTT client's queue was full (link down or flooded).
    pub publishes_dropped: u64,
}

/// The robot as the agent last left it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AgentState {
    /// Connected to the broker (a ConnAck seen and no error since).
    pub link_up: bool,
    /// The broker confirmed the command subscriptions on the current connection: commands
    /// published from now on reach the robot.
    pub listening: bool,
    pub mode: RobotMode,
    /// The motor output last applied through the hardware.
    pub motors: MotorOutput,
    pub estopped: bool,
    /// Motion is allowed: no lease, or the orchestrator's heartbeat heard within it.
    pub enabled: bool,
}
