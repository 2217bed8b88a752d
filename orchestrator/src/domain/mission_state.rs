//! A mission's state machine: assigned -> running -> one of succeeded, failed, aborted,
//! timed_out. Terminal states are final; a mission may also end straight from `assigned` (the
//! robot refused to start, went offline, or the mission was aborted before it began).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissionState {
    Assigned,
    Running,
    Succeeded,
    Failed,
    Aborted,
    TimedOut,
}

impl MissionState {
    pub const ALL: [MissionState; 6] = [
        MissionState::Assigned,
        MissionState::Running,
        MissionState::Succeeded,
        MissionState::Failed,
        MissionState::Aborted,
        MissionState::TimedOut,
    ];

    /// The name stored in SQLite and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            MissionState::Assigned => "assigned",
            MissionState::Running => "running",
            MissionState::Succeeded => "succeeded",
            MissionState::Failed => "failed",
            MissionState::Aborted => "aborted",
            MissionState::TimedOut => "timed_out",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, MissionState::Assigned | MissionState::Running)
    }

    /// Whether the machine allows `self -> to`.
    pub fn can_move_to(self, to: MissionState) -> bool {
        match self {
            MissionState::Assigned => to != MissionState::Assigned,
            MissionState::Running => to.is_terminal(),
            _ => false,
        }
    }
}

impl std::fmt::Display for MissionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::MissionState::*;
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_stored_name() {
        for s in MissionState::ALL {
            assert_eq!(MissionState::parse(s.as_str()), Some(s));
        }
        assert_eq!(MissionState::parse("exploded"), None);
    }

    #[test]
    fn terminal_states_are_final_and_running_only_moves_to_an_end() {
        for end in [Succeeded, Failed, Aborted, TimedOut] {
            assert!(end.is_terminal());
            assert!(MissionState::ALL.iter().all(|&to| !end.can_move_to(to)));
            assert!(Running.can_move_to(end));
            assert!(Assigned.can_move_to(end));
        }
        assert!(Assigned.can_move_to(Running));
        assert!(!Running.can_move_to(Assigned));
        assert!(!Running.can_move_to(Running));
    }
}
