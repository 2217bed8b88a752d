//! `orchestrator roster import|list|assign|remove|token`: the class roster, through the API
//! (teacher's token).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::ApiClient;
use crate::contract::roster::{
    Assign, ImportReport, IssuedStudent, Removed, RosterImport, StudentView,
};

#[derive(Debug, Subcommand)]
pub enum RosterAction {
    /// Import a class file (CSV: student id, name, team, robot id). New students get a token,
    /// printed once; importing the same file again changes nothing.
    Import { file: PathBuf },
    /// List the students, their teams and robots.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make a student drive a robot (their token stays the same).
    Assign { student: String, robot: String },
    /// Remove a student: their token stops working at once.
    Remove { student: String },
    /// Issue a new token for a student (the old one stops working) and print it.
    Token { student: String },
}

pub fn run(client: &ApiClient, action: RosterAction) -> anyhow::Result<()> {
    match action {
        RosterAction::Import { file } => {
            let csv = std::fs::read_to_string(&file)
                .with_context(|| format!("reading the class file {}", file.display()))?;
            let report: ImportReport = client
                .post("/api/roster/import", &RosterImport { csv })
                .with_context(|| format!("importing {}", file.display()))?;
            print_report(client, &report);
        }
        RosterAction::List { json } => {
            let students: Vec<StudentView> = client.get("/api/roster")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&students)?);
            } else {
                println!("{:<16} {:<24} {:<12} ROBOT", "STUDENT", "NAME", "TEAM");
                for s in &students {
                    println!(
                        "{:<16} {:<24} {:<12} {}",
                        s.student,
                        s.name,
                        s.team.as_ref().map_or("-", |t| t.as_str()),
                        s.robot.as_ref().map_or("-", |r| r.as_str())
                    );
                }
                println!("{} students", students.len());
            }
        }
        RosterAction::Assign { student, robot } => {
            let view: StudentView =
                client.put(&format!("/api/roster/{student}/robot"), &Assign { robot })?;
            println!(
                "{} now drives {}",
                view.student,
                view.robot.as_ref().map_or("-", |r| r.as_str())
            );
        }
        RosterAction::Remove { student } => {
            let removed: Removed = client.delete(&format!("/api/roster/{student}"))?;
            println!("removed {} (their token no longer works)", removed.removed);
        }
        RosterAction::Token { student } => {
            let issued: IssuedStudent =
                client.post(&format!("/api/roster/{student}/token"), &())?;
            print_tokens(client, std::slice::from_ref(&issued));
        }
    }
    Ok(())
}

fn print_report(client: &ApiClient, report: &ImportReport) {
    println!(
        "{} added, {} updated, {} unchanged",
        report.added.len(),
        report.updated.len(),
        report.unchanged
    );
    if !report.added.is_empty() {
        println!("New tokens (shown once; `roster token STUDENT` issues a new one):");
        print_tokens(client, &report.added);
    }
    if !report.groups.is_empty() {
        let names: Vec<&str> = report.groups.iter().map(|g| g.as_str()).collect();
        println!("teams as groups: {}", names.join(", "));
    }
}

/// Each student's token, MQTT login and remote link.
fn print_tokens(client: &ApiClient, issued: &[IssuedStudent]) {
    for s in issued {
        let remote = match &s.robot {
            Some(robot) => format!("{}/remote/{robot}?token={}", client.base(), s.token),
            None => "(no robot yet)".to_owned(),
        };
        println!("  {:<16} token {}  {remote}", s.student, s.token);
    }
}
