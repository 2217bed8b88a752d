//! `GET /api/robots` and `GET /api/robots/{id}` answer [`RobotView`]s; a command
//! (`POST /api/robots/{id}/commands`, body a `fleet_protocol::CommandKind`) answers a
//! [`CommandAnswer`].

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

use crate::domain::CommandOutcome;
pub use crate::domain::RobotView;

/// A command's one outcome, with the robot it was for, and a sentence saying what went wrong
/// when it was not acknowledged. `{"outcome":"acked","cmd_id":...,"robot":"t1"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandAnswer {
    pub robot: RobotId,
    #[serde(flatten)]
    pub outcome: CommandOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CommandAnswer {
    /// The acknowledged command's id, if it was acknowledged.
    pub fn acked_id(&self) -> Option<&fleet_protocol::CommandId> {
        match &self.outcome {
            CommandOutcome::Acked(ack) => Some(&ack.cmd_id),
            _ => None,
        }
    }

    /// The outcome's name as the API spells it (`acked`, `rejected`, `timed_out`...).
    pub fn outcome_name(&self) -> &'static str {
        match self.outcome {
            CommandOutcome::Acked(_) => "acked",
            CommandOutcome::Rejected { .. } => "rejected",
            CommandOutcome::TimedOut => "timed_out",
            CommandOutcome::RobotOffline => "robot_offline",
            CommandOutcome::UnknownRobot => "unknown_robot",
            CommandOutcome::Failed { .. } => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{Ack, CommandId, ErrorCode};

    use super::*;

    #[test]
    fn a_command_answer_reads_back_what_the_handler_wrote() {
        let robot = RobotId::parse("t1").unwrap();
        let answers = [
            CommandAnswer {
                robot: robot.clone(),
                outcome: CommandOutcome::Acked(Ack::ok(CommandId::parse("c1").unwrap(), 7)),
                error: None,
            },
            CommandAnswer {
                robot: robot.clone(),
                outcome: CommandOutcome::Rejected {
                    code: ErrorCode::Estopped,
                    message: "latched".into(),
                },
                error: Some("robot t1 refused: latched".into()),
            },
            CommandAnswer {
                robot,
                outcome: CommandOutcome::TimedOut,
                error: Some("robot t1 did not acknowledge in time".into()),
            },
        ];
        for answer in answers {
            let json = serde_json::to_value(&answer).unwrap();
            assert_eq!(json["outcome"], answer.outcome_name());
            assert_eq!(
                serde_json::from_value::<CommandAnswer>(json).unwrap(),
                answer
            );
        }
    }
}
