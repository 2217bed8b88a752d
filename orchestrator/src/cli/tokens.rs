//! `orchestrator tokens`: each known robot's student token and the address of its web remote
//! (needs the teacher's token). Hand a student their line; it drives that robot and no other.

use serde_json::Value;

use super::ApiClient;

pub fn list(client: &ApiClient) -> anyhow::Result<()> {
    let students: Vec<Value> = client.get("/api/access/students")?;
    println!("{:<20} {:<26} REMOTE", "ROBOT", "STUDENT TOKEN");
    for s in &students {
        println!(
            "{:<20} {:<26} {}",
            s["robot"].as_str().unwrap_or("?"),
            s["token"].as_str().unwrap_or("?"),
            // The server's own address for students, not this client's `--api` (loopback).
            s["url"].as_str().unwrap_or("?")
        );
    }
    println!("{} robots", students.len());
    Ok(())
}
