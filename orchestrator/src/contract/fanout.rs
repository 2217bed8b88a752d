//! The answer to a command sent to many robots at once (estop, release, a group command): who
//! acknowledged, who refused and why, who did not answer within the ack timeout, who was
//! offline, who is unknown. Every robot targeted appears in exactly one list.

use std::time::Duration;

use fleet_protocol::{CommandId, ErrorCode, RobotId};
use serde::{Deserialize, Serialize};

use crate::domain::CommandOutcome;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanoutReport {
    /// `all`, or `group:NAME`.
    pub target: String,
    /// The command's kind (`estop`, `drive`, ...).
    pub command: String,
    /// The command id, when one broadcast carried the command to every robot.
    pub broadcast_cmd_id: Option<CommandId>,
    /// Robots targeted.
    pub robots: usize,
    /// From the request to the last answer (ack, refusal or timeout), milliseconds.
    pub elapsed_ms: f64,
    pub acknowledged: Vec<RobotId>,
    pub refused: Vec<Refused>,
    /// Online (or stale) robots that did not acknowledge within the ack timeout.
    pub no_answer: Vec<RobotId>,
    /// Offline robots: nothing was expected from them.
    pub offline: Vec<RobotId>,
    /// Group members the fleet has never seen.
    pub unknown: Vec<RobotId>,
    /// The command could not be sent or followed.
    pub failed: Vec<FailedSend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    pub robot: RobotId,
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedSend {
    pub robot: RobotId,
    pub reason: String,
}

impl FanoutReport {
    pub fn new(
        target: String,
        command: &str,
        broadcast_cmd_id: Option<CommandId>,
        elapsed: Duration,
        outcomes: Vec<(RobotId, CommandOutcome)>,
    ) -> Self {
        let mut report = FanoutReport {
            target,
            command: command.to_owned(),
            broadcast_cmd_id,
            robots: outcomes.len(),
            elapsed_ms: elapsed.as_secs_f64() * 1e3,
            acknowledged: Vec::new(),
            refused: Vec::new(),
            no_answer: Vec::new(),
            offline: Vec::new(),
            unknown: Vec::new(),
            failed: Vec::new(),
        };
        for (robot, outcome) in outcomes {
            match outcome {
                CommandOutcome::Acked(_) => report.acknowledged.push(robot),
                CommandOutcome::Rejected { code, message } => report.refused.push(Refused {
                    robot,
                    code,
                    message,
                }),
                CommandOutcome::TimedOut => report.no_answer.push(robot),
                CommandOutcome::RobotOffline => report.offline.push(robot),
                CommandOutcome::UnknownRobot => report.unknown.push(robot),
                CommandOutcome::Failed { reason } => {
                    report.failed.push(FailedSend { robot, reason })
                }
            }
        }
        report.acknowledged.sort();
        report.no_answer.sort();
        report.offline.sort();
        report.unknown.sort();
        report.refused.sort_by(|a, b| a.robot.cmp(&b.robot));
        report.failed.sort_by(|a, b| a.robot.cmp(&b.robot));
        report
    }

    /// Robots that were expected to acknowledge and did not (refused, no answer, not sent).
    pub fn unanswered(&self) -> usize {
        self.refused.len() + self.no_answer.len() + self.failed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_protocol::Ack;

    fn id(s: &str) -> RobotId {
        RobotId::parse(s).unwrap()
    }

    #[test]
    fn every_robot_lands_in_exactly_one_list() {
        let cmd = CommandId::parse("c1").unwrap();
        let outcomes = vec![
            (id("b"), CommandOutcome::Acked(Ack::ok(cmd.clone(), 1))),
            (id("a"), CommandOutcome::Acked(Ack::ok(cmd.clone(), 1))),
            (
                id("c"),
                CommandOutcome::Rejected {
                    code: ErrorCode::Estopped,
                    message: "latched".into(),
                },
            ),
            (id("d"), CommandOutcome::TimedOut),
            (id("e"), CommandOutcome::RobotOffline),
            (id("f"), CommandOutcome::UnknownRobot),
            (
                id("g"),
                CommandOutcome::Failed {
                    reason: "queue full".into(),
                },
            ),
        ];
        let r = FanoutReport::new("all".into(), "estop", Some(cmd), Duration::ZERO, outcomes);
        assert_eq!(r.robots, 7);
        assert_eq!(r.acknowledged, [id("a"), id("b")]);
        assert_eq!(r.refused[0].robot, id("c"));
        assert_eq!(
            (r.no_answer, r.offline, r.unknown),
            (vec![id("d")], vec![id("e")], vec![id("f")])
        );
        assert_eq!(r.failed[0].reason, "queue full");
    }
}
