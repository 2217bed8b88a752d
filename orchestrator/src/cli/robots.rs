//! `orchestrator robots` and `orchestrator robot ID`.

use fleet_protocol::Telemetry;

use super::ApiClient;
use super::format::{plural, wire_name};
use crate::contract::RobotView;

pub fn list(client: &ApiClient, json: bool) -> anyhow::Result<()> {
    let robots: Vec<RobotView> = client.get("/api/robots")?;
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
    println!("{}", plural(robots.len(), "robot"));
    Ok(())
}

pub fn show(client: &ApiClient, id: &str) -> anyhow::Result<()> {
    let robot: RobotView = client.get(&format!("/api/robots/{id}"))?;
    println!("{}", serde_json::to_string_pretty(&robot)?);
    Ok(())
}

fn row(r: &RobotView) -> String {
    let t = r.telemetry.as_ref();
    format!(
        "{:<20} {:<8} {:<9} {:<11} {:<5} {:<13} {:>7}",
        r.id.as_str(),
        r.state.as_str(),
        r.status
            .as_ref()
            .map_or("-".to_owned(), |s| wire_name(&s.backend)),
        t.map_or("-".to_owned(), |t| wire_name(&t.mode)),
        line_sensors(t),
        motor_outputs(t, "/"),
        r.pending_commands,
    )
}

/// A robot's three line sensors as `#` (sees the line) or `.`, left to right: `.#.` is centred.
pub(super) fn line_sensors(telemetry: Option<&Telemetry>) -> String {
    let Some(t) = telemetry else {
        return "...".to_owned();
    };
    [t.line.left, t.line.middle, t.line.right]
        .iter()
        .map(|&seen| if seen { '#' } else { '.' })
        .collect()
}

/// Left and right motor outputs, signed with two decimals and joined by `sep`; `-` before
/// the first telemetry.
pub(super) fn motor_outputs(telemetry: Option<&Telemetry>, sep: &str) -> String {
    match telemetry {
        Some(t) => format!("{:+.2}{sep}{:+.2}", t.motors.left, t.motors.right),
        None => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{LineReading, MotorOutput};

    use super::*;

    #[test]
    fn telemetry_cells_show_sensors_and_motors_or_a_dash_before_any_telemetry() {
        let mut t = Telemetry::new(1, 1);
        t.line = LineReading {
            left: false,
            middle: true,
            right: true,
        };
        t.motors = MotorOutput {
            left: 0.5,
            right: -0.25,
        };
        assert_eq!(line_sensors(Some(&t)), ".##");
        assert_eq!(motor_outputs(Some(&t), "/"), "+0.50/-0.25");
        assert_eq!(line_sensors(None), "...");
        assert_eq!(motor_outputs(None, " "), "-");
    }
}
