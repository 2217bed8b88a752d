//! `orchestrator groups ...`: manage groups of robots and send a command to every member.

use clap::Subcommand;

use super::estop::print_report;
use super::format::plural;
use super::{ApiClient, CommandArgs};
use crate::contract::{Deleted, FanoutReport, Group, Members, NewGroup};

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

/// Runs a groups subcommand; none lists the groups.
pub fn run(client: &ApiClient, action: Option<GroupAction>) -> anyhow::Result<()> {
    match action.unwrap_or(GroupAction::List) {
        GroupAction::List => {
            let groups: Vec<Group> = client.get("/api/groups")?;
            for g in &groups {
                print_group(g);
            }
            println!("{}", plural(groups.len(), "group"));
        }
        GroupAction::Show { name } => print_group(&client.get(&format!("/api/groups/{name}"))?),
        GroupAction::Create { name, robots } => {
            let g: Group = client.post("/api/groups", &NewGroup { name, robots })?;
            print_group(&g);
        }
        GroupAction::Delete { name } => {
            let d: Deleted = client.delete(&format!("/api/groups/{name}"))?;
            println!("group {} deleted", d.deleted);
        }
        GroupAction::Add { name, robots } => {
            let path = format!("/api/groups/{name}/members");
            print_group(&client.post(&path, &Members { robots })?);
        }
        GroupAction::Remove { name, robots } => {
            let mut last = None;
            for robot in robots {
                last = Some(client.delete(&format!("/api/groups/{name}/members/{robot}"))?);
            }
            if let Some(group) = last {
                print_group(&group);
            }
        }
        GroupAction::Send { name, command } => {
            let path = format!("/api/groups/{name}/commands");
            let report: FanoutReport = client.post(&path, &command.to_kind())?;
            return print_report(&report);
        }
    }
    Ok(())
}

fn print_group(g: &Group) {
    let members: Vec<&str> = g.members.iter().map(|m| m.as_str()).collect();
    println!(
        "{:<20} {:>10}: {}",
        g.name.as_str(),
        plural(members.len(), "robot"),
        members.join(" ")
    );
}
