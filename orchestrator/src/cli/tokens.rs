//! `orchestrator tokens`: each known robot's student token and the address of its web remote
//! (needs the teacher's token). Hand a student their line; it drives that robot and no other.

use super::ApiClient;
use super::format::plural;
use crate::contract::StudentAccess;

pub fn list(client: &ApiClient) -> anyhow::Result<()> {
    let students: Vec<StudentAccess> = client.get("/api/access/students")?;
    println!("{:<20} {:<26} REMOTE", "ROBOT", "STUDENT TOKEN");
    for s in &students {
        println!(
            "{:<20} {:<26} {}",
            s.robot.as_str(),
            s.token,
            // The server's own address for students, not this client's `--api` (loopback).
            s.url
        );
    }
    println!("{}", plural(students.len(), "robot"));
    Ok(())
}
