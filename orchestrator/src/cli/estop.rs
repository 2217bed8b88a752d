//! `orchestrator estop [--group G]`, `orchestrator release [--group G]` and
//! `orchestrator send-all ...`: one command to many robots, with every robot accounted for.
//! Exits non-zero when an online robot did not acknowledge, so a script can tell.

use anyhow::bail;
use serde_json::{Value, json};

use super::{ApiClient, CommandArgs};

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
    let report: Value = client.post(&path, &json!({}))?;
    print_report(&report)
}

pub fn send_all(client: &ApiClient, command: CommandArgs) -> anyhow::Result<()> {
    let report: Value = client.post("/api/fleet/commands", &command.to_kind())?;
    print_report(&report)
}

fn ids(report: &Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => format!(
                        "{} ({})",
                        other["robot"].as_str().unwrap_or("?"),
                        other["message"]
                            .as_str()
                            .or(other["reason"].as_str())
                            .unwrap_or("?")
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn print_report(report: &Value) -> anyhow::Result<()> {
    println!(
        "{} to {}: {} robots in {:.1} ms",
        report["command"].as_str().unwrap_or("?"),
        report["target"].as_str().unwrap_or("?"),
        report["robots"],
        report["elapsed_ms"].as_f64().unwrap_or(0.0)
    );
    let lists = [
        ("acknowledged", "acknowledged"),
        ("refused", "refused"),
        ("no_answer", "no answer in time"),
        ("offline", "offline"),
        ("unknown", "never seen"),
        ("failed", "not sent"),
    ];
    for (key, label) in lists {
        let robots = ids(report, key);
        if !robots.is_empty() {
            println!("  {label:<18} {:>3}: {}", robots.len(), robots.join(", "));
        }
    }
    let unanswered =
        ids(report, "no_answer").len() + ids(report, "failed").len() + ids(report, "refused").len();
    if unanswered > 0 {
        bail!("{unanswered} robots did not acknowledge");
    }
    Ok(())
}
