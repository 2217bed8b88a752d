//! `orchestrator tokens`: each student of the roster and the address of their robot's web
//! remote (needs the teacher's token). Tokens are not listed: the server keeps only their
//! hashes; `roster token STUDENT` issues a new one and prints the full link once.

use super::ApiClient;
use super::format::plural;
use crate::contract::StudentAccess;

pub fn list(client: &ApiClient) -> anyhow::Result<()> {
    let students: Vec<StudentAccess> = client.get("/api/access/students")?;
    println!("{:<16} {:<12} {:<20} REMOTE", "STUDENT", "TEAM", "ROBOT");
    for s in &students {
        println!(
            "{:<16} {:<12} {:<20} {}",
            s.student,
            s.team.as_ref().map_or("-", |t| t.as_str()),
            s.robot.as_ref().map_or("-", |r| r.as_str()),
            // The server's own address for students, not this client's `--api` (loopback).
            s.url.as_deref().unwrap_or("-")
        );
    }
    println!("{}", plural(students.len(), "student"));
    println!("Add ?token=TOKEN to a link; `orchestrator roster token STUDENT` issues a new token.");
    Ok(())
}
