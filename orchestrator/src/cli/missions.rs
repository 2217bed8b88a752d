//! `orchestrator missions ...`: assign a line-follow course or a scripted sequence to a robot or
//! a group, list and show missions, abort one.

use std::path::PathBuf;

use super::ApiClient;
use super::format::plural;
use crate::contract::{AbortRequest, AssignAnswer, AssignRequest, MissionRecord};
use crate::domain::{LineFollowSpec, MissionSpec, ScriptSpec, Step};
use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum MissionAction {
    /// List missions, newest first.
    List {
        #[arg(long)]
        robot: Option<String>,
        /// Only missions not ended yet.
        #[arg(long)]
        active: bool,
    },
    /// Show one mission and its transitions.
    Show { id: i64 },
    /// Abort a running mission (the robot is stopped).
    Abort {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Follow the line round the course until the finish zone (after `--laps` laps).
    LineFollow {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 0.5)]
        speed: f32,
        #[arg(long, default_value_t = 1)]
        laps: u32,
        /// Give up after this long (default 300 s).
        #[arg(long)]
        timeout_ms: Option<u64>,
        /// Keep going when the line is lost for a moment (fail only if the robot gives up).
        #[arg(long)]
        tolerate_line_lost: bool,
    },
    /// Play a script of timed steps read from a JSON file (`-` for stdin):
    /// `[{"step":"drive","speed":0.4,"ms":1500},{"step":"servo","joint":"claw","angle":45}]`
    Script {
        #[command(flatten)]
        target: Target,
        file: PathBuf,
        /// Give up after this long (default: the script's length plus 10 s).
        #[arg(long)]
        timeout_ms: Option<u64>,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// The robot to run the mission.
    #[arg(long)]
    robot: Option<String>,
    /// Every robot of this group runs the mission.
    #[arg(long)]
    group: Option<String>,
}

pub fn run(client: &ApiClient, action: MissionAction) -> anyhow::Result<()> {
    match action {
        MissionAction::List { robot, active } => {
            let mut path = format!("/api/missions?active={active}");
            if let Some(r) = robot {
                path.push_str(&format!("&robot={r}"));
            }
            let missions: Vec<MissionRecord> = client.get(&path)?;
            for m in &missions {
                print_mission(m);
            }
            println!("{}", plural(missions.len(), "mission"));
        }
        MissionAction::Show { id } => {
            let m: MissionRecord = client.get(&format!("/api/missions/{id}"))?;
            println!("{}", serde_json::to_string_pretty(&m)?);
        }
        MissionAction::Abort { id, reason } => {
            let m: MissionRecord = client.post(
                &format!("/api/missions/{id}/abort"),
                &AbortRequest { reason },
            )?;
            print_mission(&m);
        }
        MissionAction::LineFollow {
            target,
            speed,
            laps,
            timeout_ms,
            tolerate_line_lost,
        } => {
            let spec = MissionSpec::LineFollow(LineFollowSpec {
                speed,
                laps,
                lost_line_fails: !tolerate_line_lost,
                map: None,
            });
            assign(client, &target, spec, timeout_ms)?;
        }
        MissionAction::Script {
            target,
            file,
            timeout_ms,
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .context("reading the script from stdin")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading the script {}", file.display()))?
            };
            let steps: Vec<Step> = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a script of steps", file.display()))?;
            let spec = MissionSpec::Script(ScriptSpec { steps });
            assign(client, &target, spec, timeout_ms)?;
        }
    }
    Ok(())
}

fn assign(
    client: &ApiClient,
    target: &Target,
    mission: MissionSpec,
    timeout_ms: Option<u64>,
) -> anyhow::Result<()> {
    let body = AssignRequest {
        robot: target.robot.clone(),
        group: target.group.clone(),
        mission,
        timeout_ms,
    };
    match client.post("/api/missions", &body)? {
        AssignAnswer::Group(answer) => {
            for m in &answer.assigned {
                print_mission(m);
            }
            for r in &answer.refused {
                println!("refused  {}", r.error);
            }
        }
        AssignAnswer::One(m) => print_mission(&m),
    }
    Ok(())
}

fn print_mission(m: &MissionRecord) {
    println!(
        "mission {:>5}  {:<20} {:<12} {:<10} {}",
        m.id,
        m.robot.as_str(),
        m.kind,
        m.state.as_str(),
        m.reason.as_deref().unwrap_or("")
    );
}
