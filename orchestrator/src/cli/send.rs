//! `orchestrator send ROBOT ...`: one command through the API, its acknowledgement printed.

use std::time::{Duration, Instant};

use clap::Subcommand;
use fleet_protocol::{CommandKind, DEADMAN_DEFAULT, DRIVE_REPEAT, Joint};

use super::ApiClient;
use crate::contract::CommandAnswer;

#[derive(Debug, Clone, Subcommand)]
pub enum CommandArgs {
    /// Drive the tracks: speed forward and turn right, each -1..1.
    Drive {
        #[arg(long, allow_negative_numbers = true)]
        speed: f32,
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        turn: f32,
        /// Keep driving this long (the drive is repeated inside the robot's dead-man), then
        /// stop. Without it the robot stops on its own after the dead-man timeout (500 ms).
        #[arg(long)]
        hold_ms: Option<u64>,
    },
    /// Stop the motors and any behaviour.
    Stop,
    /// Move a servo: camera_tilt, arm, forearm, wrist or claw; angle in degrees.
    Servo {
        #[arg(long, value_parser = parse_joint)]
        joint: Joint,
        #[arg(long, allow_negative_numbers = true)]
        angle: f32,
    },
    /// Set the LEDs' colour.
    Led {
        #[arg(long)]
        r: u8,
        #[arg(long)]
        g: u8,
        #[arg(long)]
        b: u8,
    },
    /// Start the on-robot line following.
    LineFollow {
        #[arg(long, default_value_t = 0.5)]
        speed: f32,
    },
    /// Emergency stop: refuse motion until released.
    Estop,
    /// Lift an emergency stop.
    Release,
}

/// A joint by its protocol name (`Joint::as_str`), the one spelling the API and pages use.
pub(super) fn parse_joint(raw: &str) -> Result<Joint, String> {
    Joint::ALL
        .into_iter()
        .find(|j| j.as_str() == raw)
        .ok_or_else(|| {
            let names: Vec<&str> = Joint::ALL.iter().map(|j| j.as_str()).collect();
            format!("unknown joint {raw:?}: use one of {}", names.join(", "))
        })
}

impl CommandArgs {
    pub fn to_kind(&self) -> CommandKind {
        match *self {
            CommandArgs::Drive { speed, turn, .. } => CommandKind::Drive { speed, turn },
            CommandArgs::Stop => CommandKind::Stop,
            CommandArgs::Servo { joint, angle } => CommandKind::Servo { joint, angle },
            CommandArgs::Led { r, g, b } => CommandKind::Led { r, g, b },
            CommandArgs::LineFollow { speed } => CommandKind::LineFollow { speed },
            CommandArgs::Estop => CommandKind::Estop,
            CommandArgs::Release => CommandKind::Release,
        }
    }
}

pub fn send(client: &ApiClient, robot: &str, args: CommandArgs) -> anyhow::Result<()> {
    let path = format!("/api/robots/{robot}/commands");
    let kind = args.to_kind();
    let answer: CommandAnswer = client.post(&path, &kind)?;
    println!("{robot}: {}", describe(&answer));
    match args {
        CommandArgs::Drive {
            hold_ms: Some(ms), ..
        } => {
            let until = Instant::now() + Duration::from_millis(ms);
            while Instant::now() < until {
                std::thread::sleep(
                    DRIVE_REPEAT.min(until.saturating_duration_since(Instant::now())),
                );
                let _: CommandAnswer = client.post(&path, &kind)?;
            }
            let _: CommandAnswer = client.post(&path, &CommandKind::Stop)?;
            println!("{robot}: stopped after {ms} ms");
        }
        CommandArgs::Drive { hold_ms: None, .. } if answer.acked_id().is_some() => {
            println!("{}", deadman_note());
        }
        _ => {}
    }
    Ok(())
}

/// What a single drive does, said where the teacher sees it: the robot's dead-man stops it.
fn deadman_note() -> String {
    format!(
        "note: the robot stops by itself {} ms from now (its dead-man) unless the drive is \
         repeated; use --hold-ms MS to keep driving",
        DEADMAN_DEFAULT.as_millis()
    )
}

fn describe(answer: &CommandAnswer) -> String {
    match (answer.acked_id(), &answer.error) {
        (Some(id), _) => format!("command {id}: {}", answer.outcome_name()),
        (None, Some(error)) => format!("{}: {error}", answer.outcome_name()),
        (None, None) => answer.outcome_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Line {
        #[command(subcommand)]
        command: CommandArgs,
    }

    fn parse(args: &[&str]) -> Result<CommandKind, clap::Error> {
        Line::try_parse_from(std::iter::once("send").chain(args.iter().copied()))
            .map(|l| l.command.to_kind())
    }

    #[test]
    fn negative_angles_and_speeds_parse_as_numbers() {
        assert_eq!(
            parse(&["servo", "--joint", "claw", "--angle", "-10"]).unwrap(),
            CommandKind::Servo {
                joint: Joint::Claw,
                angle: -10.0
            }
        );
        assert_eq!(
            parse(&["drive", "--speed", "-0.5", "--turn", "-1"]).unwrap(),
            CommandKind::Drive {
                speed: -0.5,
                turn: -1.0
            }
        );
    }

    #[test]
    fn every_joint_parses_by_its_protocol_name_and_others_are_refused() {
        for joint in Joint::ALL {
            assert_eq!(parse_joint(joint.as_str()), Ok(joint));
        }
        let err = parse_joint("elbow").unwrap_err();
        assert!(err.contains("camera_tilt") && err.contains("claw"), "{err}");
    }

    #[test]
    fn a_single_drive_says_the_dead_man_stops_the_robot() {
        let note = deadman_note();
        assert!(
            note.contains("500 ms") && note.contains("--hold-ms"),
            "{note}"
        );
    }
}
