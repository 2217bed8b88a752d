//! `orchestrator send ROBOT ...`: one command through the API, its acknowledgement printed.

use std::time::{Duration, Instant};

use clap::Subcommand;
use fleet_protocol::{CommandKind, Joint};
use serde_json::Value;

use super::ApiClient;

/// Drive commands are repeated this often while `--hold-ms` lasts, well inside the agent's
/// 500 ms dead-man timeout.
const DRIVE_REPEAT: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Subcommand)]
pub enum CommandArgs {
    /// Drive the tracks: speed forward and turn right, each -1..1.
    Drive {
        #[arg(long, allow_negative_numbers = true)]
        speed: f32,
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        turn: f32,
        /// Keep driving this long, then stop (a single drive stops after the dead-man timeout).
        #[arg(long)]
        hold_ms: Option<u64>,
    },
    /// Stop the motors and any behaviour.
    Stop,
    /// Move a servo: camera_tilt, arm, forearm, wrist or claw; angle in degrees.
    Servo {
        #[arg(long, value_parser = parse_joint)]
        joint: Joint,
        #[arg(long)]
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
    /// Fire the IR gun once (the course's game).
    Shoot,
}

fn parse_joint(raw: &str) -> Result<Joint, String> {
    serde_json::from_value(Value::String(raw.to_owned()))
        .map_err(|_| format!("unknown joint {raw:?}: use camera_tilt, arm, forearm, wrist or claw"))
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
            CommandArgs::Shoot => CommandKind::Shoot,
        }
    }
}

pub fn send(client: &ApiClient, robot: &str, args: CommandArgs) -> anyhow::Result<()> {
    let path = format!("/api/robots/{robot}/commands");
    let kind = args.to_kind();
    let answer: Value = client.post(&path, &kind)?;
    println!("{robot}: {}", describe(&answer));
    if let CommandArgs::Drive {
        hold_ms: Some(ms), ..
    } = args
    {
        let until = Instant::now() + Duration::from_millis(ms);
        while Instant::now() < until {
            std::thread::sleep(DRIVE_REPEAT.min(until.saturating_duration_since(Instant::now())));
            let _: Value = client.post(&path, &kind)?;
        }
        let _: Value = client.post(&path, &CommandKind::Stop)?;
        println!("{robot}: stopped after {ms} ms");
    }
    Ok(())
}

fn describe(answer: &Value) -> String {
    let id = answer.get("cmd_id").and_then(Value::as_str).unwrap_or("?");
    let outcome = answer.get("outcome").and_then(Value::as_str).unwrap_or("?");
    format!("command {id}: {outcome}")
}
