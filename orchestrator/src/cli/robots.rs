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
    format!(
        "{:<20} {:<8} {:<9} {:<11} {:<5} {:<13} {:>7}",
        r["id"].as_str().unwrap_or("?"),
        r["state"].as_str().unwrap_or("?"),
        r["status"]["backend"].as_str().unwrap_or("-"),
        t["mode"].as_str().unwrap_or("-"),
        line_sensors(t),
        motor_outputs(t, "/"),
        r["pending_commands"],
    )
}

/// A robot's three line sensors as `#` (sees the line) or `.`, left to right: `.#.` is centred.
pub(super) fn line_sensors(telemetry: &Value) -> String {
    ["left", "middle", "right"]
        .iter()
        .map(|s| match telemetry["line"][s].as_bool() {
            Some(true) => '#',
            _ => '.',
        })
        .collect()
}

/// Left and right motor outputs, signed with two decimals and joined by `sep`; `-` before
/// the first telemetry.
pub(super) fn motor_outputs(telemetry: &Value, sep: &str) -> String {
    let motors = &telemetry["motors"];
    match (motors["left"].as_f64(), motors["right"].as_f64()) {
        (Some(l), Some(r)) => format!("{l:+.2}{sep}{r:+.2}"),
        _ => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn telemetry_cells_show_sensors_and_motors_or_a_dash_before_any_telemetry() {
        let t = json!({
            "line": {"left": false, "middle": true, "right": true},
            "motors": {"left": 0.5, "right": -0.25}
        });
        assert_eq!(line_sensors(&t), ".##");
        assert_eq!(motor_outputs(&t, "/"), "+0.50/-0.25");
        assert_eq!(line_sensors(&Value::Null), "...");
        assert_eq!(motor_outputs(&Value::Null, " "), "-");
    }
}
