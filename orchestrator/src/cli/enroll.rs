//! `orchestrator robots enroll ID` and `robots revoke ID`: robot broker credentials, through
//! the API (teacher's token). Enroll prints the agent's settings as `KEY=value` lines, ready
//! for the robot's systemd `EnvironmentFile`.

use super::ApiClient;
use crate::contract::roster::{Enrolled, Removed};

pub fn enroll(client: &ApiClient, robot: &str) -> anyhow::Result<()> {
    let enrolled: Enrolled = client.post(&format!("/api/robots/{robot}/enroll"), &())?;
    eprintln!(
        "robot {} enrolled; its settings (the password is shown only now):",
        enrolled.robot
    );
    print!("{}", enrolled.env_file());
    Ok(())
}

pub fn revoke(client: &ApiClient, robot: &str) -> anyhow::Result<()> {
    let removed: Removed = client.delete(&format!("/api/robots/{robot}/enroll"))?;
    println!(
        "robot {} revoked: it is cut off the broker and cannot log in again",
        removed.removed
    );
    Ok(())
}
