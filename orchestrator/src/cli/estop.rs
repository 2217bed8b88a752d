//! `orchestrator estop [--group G]`, `orchestrator release [--group G]` and
//! `orchestrator send-all ...`: one command to many robots, with every robot accounted for.
//! Exits non-zero when an online robot did not acknowledge, so a script can tell.

use anyhow::bail;

use super::format::plural;
use super::{ApiClient, CommandArgs};
use crate::contract::FanoutReport;

pub fn estop(client: &ApiClient, group: Option<&str>, release: bool) -> anyhow::Result<()> {
    let route = if release {
        "/api/release"
    } else {
        "/api/estop"
    };
    let path = match group {
        Some(g) => format!("{route}?group={g}"),
        None => route.to_owned(),
    };
    let report: FanoutReport = client.post(&path, &serde_json::json!({}))?;
    print_report(&report)
}

pub fn send_all(client: &ApiClient, command: CommandArgs) -> anyhow::Result<()> {
    let report: FanoutReport = client.post("/api/fleet/commands", &command.to_kind())?;
    print_report(&report)
}

fn ids<'a>(robots: impl IntoIterator<Item = &'a fleet_protocol::RobotId>) -> Vec<String> {
    robots.into_iter().map(ToString::to_string).collect()
}

pub(super) fn print_report(report: &FanoutReport) -> anyhow::Result<()> {
    println!(
        "{} to {}: {} in {:.1} ms",
        report.command,
        report.target,
        plural(report.robots, "robot"),
        report.elapsed_ms
    );
    let refused = report
        .refused
        .iter()
        .map(|r| format!("{} ({})", r.robot, r.message))
        .collect();
    let failed = report
        .failed
        .iter()
        .map(|f| format!("{} ({})", f.robot, f.reason))
        .collect();
    let lists: [(&str, Vec<String>); 6] = [
        ("acknowledged", ids(&report.acknowledged)),
        ("refused", refused),
        ("no answer in time", ids(&report.no_answer)),
        ("offline", ids(&report.offline)),
        ("never seen", ids(&report.unknown)),
        ("not sent", failed),
    ];
    for (label, robots) in lists {
        if !robots.is_empty() {
            println!("  {label:<18} {:>3}: {}", robots.len(), robots.join(", "));
        }
    }
    let unanswered = report.unanswered();
    if unanswered > 0 {
        bail!("{} did not acknowledge", plural(unanswered, "robot"));
    }
    Ok(())
}
