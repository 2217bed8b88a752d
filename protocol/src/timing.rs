//! Timings both ends must agree on: the agent's dead-man and how often a driver repeats a
//! drive command to stay inside it. Every sender of drive commands (CLI, remotes, missions,
//! pages) takes its repeat interval from here, so a change of the dead-man cannot leave one
//! of them repeating too slowly.

use std::time::Duration;

/// The agent's default dead-man: with no drive command for this long, the motors stop.
pub const DEADMAN_DEFAULT: Duration = Duration::from_millis(500);

/// How often a held drive is re-sent: a third of the dead-man, so two repeats in a row can be
/// lost (or late) before the robot stops.
pub const DRIVE_REPEAT: Duration = Duration::from_millis(DEADMAN_DEFAULT.as_millis() as u64 / 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drive_repeat_leaves_room_for_two_lost_repeats_inside_the_deadman() {
        assert!(DRIVE_REPEAT * 3 <= DEADMAN_DEFAULT);
        assert!(DRIVE_REPEAT >= Duration::from_millis(100));
    }
}
