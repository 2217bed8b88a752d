//! `orchestrator robots` and `orchestrator robot ID`.

use serde_json::Value;

use super::ApiClient;

pub fn list(client: &ApiClient, json: bool) -> anyhow::Result<()> {
    let robots: Vec<Value> = client.get("/api/robots")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&robots)?);
        return Ok(());
    }
    println!(
        "{:<20} {:<8} {:<9} {:<11} {:<5} {:<13} {:>7}",
        "ROBOT", "STATE", "BACKEND", "MODE", "LINE", "MOTORS L/R", "PENDING"
    );
    for r in &robots {
        println!("{}", row(r));
    }
    println!("{} robots", robots.len());
    Ok(())
}

pub fn show(client: &ApiClient, id: &str) -> anyhow::Result<()> {
    let robot: Value = client.get(&format!("/api/robots/{id}"))?;
    println!("{}", serde_json::to_string_pretty(&robot)?);
    Ok(())
}

fn row(r: &Value) -> String {
    let t = &r["telemetry"];
    let line: String = ["left", "middle", "right"]
        .iter()
        .map(|s| {
            if t["line"][s].as_bool() == Some(true) {
                '#'
            } else {
                '.'
            }
        })
        .collect();
    let motors = match (t["motors"]["left"].as_f64(), t["motors"]["right"].as_f64()) {
        (Some(l), Some(r)) => format!("{l:+.2}/{r:+.2}"),
        _ => "-".to_owned(),
    };
    format!(
        "{:<20} {:<8} {:<9} {:<11} {:<5} {:<13} {:>7}",
        r["id"].as_str().unwrap_or("?"),
        r["state"].as_str().unwrap_or("?"),
        r["status"]["backend"].as_str().unwrap_or("-"),
        t["mode"].as_str().unwrap_or("-"),
        line,
        motors,
        r["pending_commands"],
    )
}
