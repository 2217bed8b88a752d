//! Timings both ends must agree on: the agent's dead-man and how often a driver repeats a
//! drive command to stay inside it. Every sender of drive commands (CLI, remotes, missions,
//! pages) takes its repeat interval from here, so a change of the dead-man cannot leave one
//! of them repeating too slowly. The same holds for the orchestrator's heartbeat and the
//! agent's enable lease.

use std::time::Duration;

/// The agent's default dead-man: with no drive command for this long, the motors stop.
pub const DEADMAN_DEFAULT: Duration = Duration::from_millis(500);

/// How often a held drive is re-sent: a third of the dead-man, so two repeats in a row can be
/// lost (or late) before the robot stops.
pub const DRIVE_REPEAT: Duration = Duration::from_millis(DEADMAN_DEFAULT.as_millis() as u64 / 3);

/// How often the orchestrator publishes `fleet/heartbeat`.
pub const HEARTBEAT_PERIOD: Duration = Duration::from_millis(100);

/// The agent's default enable lease: with no heartbeat for this long, every motion stops. Five
/// beats: four may be lost or late on a busy classroom Wi-Fi before a robot stops.
pub const LEASE_DEFAULT: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drive_repeat_leaves_room_for_two_lost_repeats_inside_the_deadman() {
        assert!(DRIVE_REPEAT * 3 <= DEADMAN_DEFAULT);
        assert!(DRIVE_REPEAT >= Duration::from_millis(100));
    }

    #[test]
    fn the_lease_outlasts_several_heartbeats() {
        assert!(HEARTBEAT_PERIOD * 4 < LEASE_DEFAULT);
    }
}
