//! `orchestrator groups ...`: manage groups of robots and send a command to every member.

use clap::Subcommand;
use serde_json::{Value, json};

use super::estop::print_report;
use super::{ApiClient, CommandArgs};

#[derive(Debug, Subcommand)]
pub enum GroupAction {
    /// List the groups and their members.
    List,
    /// Show one group.
    Show { name: String },
    /// Create a group, optionally with its first members.
    Create { name: String, robots: Vec<String> },
    /// Delete a group (its robots and its missions' history stay).
    Delete { name: String },
    /// Add robots to a group.
    Add {
        name: String,
        #[arg(required = true)]
        robots: Vec<String>,
    },
    /// Remove robots from a group.
    Remove {
        name: String,
        #[arg(required = true)]
        robots: Vec<String>,
    },
    /// Send one command to every robot of the group and print who acknowledged.
    Send {
        name: String,
        #[command(subcommand)]
        command: CommandArgs,
    },
}

pub fn run(client: &ApiClient, action: GroupAction) -> anyhow::Result<()> {
    match action {
        GroupAction::List => {
            let groups: Vec<Value> = client.get("/api/groups")?;
            for g in &groups {
                print_group(g);
            }
            println!("{} groups", groups.len());
        }
        GroupAction::Show { name } => print_group(&client.get(&format!("/api/groups/{name}"))?),
        GroupAction::Create { name, robots } => {
            let g: Value =
                client.post("/api/groups", &json!({ "name": name, "robots": robots }))?;
            print_group(&g);
        }
        GroupAction::Delete { name } => {
            let _: Value = client.delete(&format!("/api/groups/{name}"))?;
            println!("group {name} deleted");
        }
        GroupAction::Add { name, robots } => {
            let path = format!("/api/groups/{name}/members");
            print_group(&client.post(&path, &json!({ "robots": robots }))?);
        }
        GroupAction::Remove { name, robots } => {
            let mut last = Value::Null;
            for robot in robots {
                last = client.delete(&format!("/api/groups/{name}/members/{robot}"))?;
            }
            print_group(&last);
        }
        GroupAction::Send { name, command } => {
            let path = format!("/api/groups/{name}/commands");
            let report: Value = client.post(&path, &command.to_kind())?;
            return print_report(&report);
        }
    }
    Ok(())
}

fn print_group(g: &Value) {
    let members: Vec<&str> = g["members"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    println!(
        "{:<20} {:>3} robots: {}",
        g["name"].as_str().unwrap_or("?"),
        members.len(),
        members.join(" ")
    );
}
