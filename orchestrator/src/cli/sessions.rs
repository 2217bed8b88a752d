//! `orchestrator sessions list|start|stop`.

use serde_json::{Value, json};

use super::{ApiClient, SessionAction};

pub fn run(client: &ApiClient, action: SessionAction) -> anyhow::Result<()> {
    match action {
        SessionAction::List => {
            let sessions: Vec<Value> = client.get("/api/sessions")?;
            println!(
                "{:>5}  {:<24} {:<15} {:<15} {:>9}",
                "ID", "NAME", "STARTED", "STOPPED", "RECORDS"
            );
            for s in sessions {
                println!(
                    "{:>5}  {:<24} {:<15} {:<15} {:>9}",
                    s["id"],
                    s["name"].as_str().unwrap_or(""),
                    s["started_at_ms"],
                    if s["stopped_at_ms"].is_null() {
                        "running".to_owned()
                    } else {
                        s["stopped_at_ms"].to_string()
                    },
                    s["records"],
                );
            }
        }
        SessionAction::Start { name } => {
            let s: Value = client.post("/api/sessions", &json!({ "name": name }))?;
            println!(
                "session {} {:?} started",
                s["id"],
                s["name"].as_str().unwrap_or("")
            );
        }
        SessionAction::Stop => {
            let s: Value = client.post("/api/sessions/stop", &json!({}))?;
            println!(
                "session {} {:?} stopped",
                s["id"],
                s["name"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}
