//! `orchestrator sessions list|start|stop`. The list hides stopped sessions that recorded
//! nothing (every stop opens an idle "serve" session, most of which stay empty) unless `--all`.

use super::format::{duration, plural, utc_time};
use super::{ApiClient, SessionAction};
use crate::contract::{SessionView, StartSession};
use crate::domain::now_ms;

pub fn run(client: &ApiClient, action: SessionAction) -> anyhow::Result<()> {
    match action {
        SessionAction::List { all } => {
            let sessions: Vec<SessionView> = client.get("/api/sessions")?;
            let (shown, hidden): (Vec<_>, Vec<_>) =
                sessions.iter().partition(|s| all || worth_listing(s));
            print!("{}", table(&shown, now_ms()));
            if !hidden.is_empty() {
                println!(
                    "({} hidden: stopped with no records; --all lists them)",
                    plural(hidden.len(), "empty session")
                );
            }
        }
        SessionAction::Start { name } => {
            let s: SessionView = client.post("/api/sessions", &StartSession { name })?;
            println!("session {} {:?} started", s.id, s.name);
        }
        SessionAction::Stop => {
            let s: SessionView = client.post("/api/sessions/stop", &serde_json::json!({}))?;
            println!("session {} {:?} stopped", s.id, s.name);
        }
    }
    Ok(())
}

/// The running session, and every session that holds records or had drops.
fn worth_listing(s: &SessionView) -> bool {
    s.running || s.records > 0 || s.dropped > 0
}

/// The sessions as an aligned table: start time (UTC), how long it ran (or runs), records.
fn table(sessions: &[&SessionView], now: i64) -> String {
    let mut out = format!(
        "{:>5}  {:<24}  {:<19}  {:<16}  {:>9}\n",
        "ID", "NAME", "STARTED (UTC)", "DURATION", "RECORDS"
    );
    for s in sessions {
        let length = match s.stopped_at_ms {
            Some(stop) => duration(stop - s.started_at_ms),
            None => format!("{} (running)", duration(now - s.started_at_ms)),
        };
        let name: String = s.name.chars().take(24).collect();
        out.push_str(&format!(
            "{:>5}  {:<24}  {:<19}  {:<16}  {:>9}\n",
            s.id,
            name,
            utc_time(s.started_at_ms),
            length,
            s.records
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SessionId;

    fn session(id: i64, stopped: Option<i64>, records: u64) -> SessionView {
        SessionView {
            id: SessionId(id),
            name: "serve".into(),
            started_at_ms: 1_796_113_789_000,
            stopped_at_ms: stopped,
            running: stopped.is_none(),
            records,
            dropped: 0,
        }
    }

    #[test]
    fn the_table_shows_readable_times_under_an_aligned_header() {
        let stopped = session(12, Some(1_796_113_789_000 + 725_000), 4_000);
        let running = session(13, None, 0);
        let text = table(&[&stopped, &running], 1_796_113_789_000 + 42_000);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("2026-12-01 08:29:49"), "{text}");
        assert!(lines[1].contains("12 min 5 s"), "{text}");
        assert!(lines[2].contains("42 s (running)"), "{text}");
        // Every column starts where its header does.
        for header in ["NAME", "STARTED", "DURATION"] {
            let col = lines[0].find(header).unwrap();
            assert!(
                lines[1..]
                    .iter()
                    .all(|l| l.as_bytes()[col - 1] == b' ' && l.as_bytes()[col] != b' '),
                "{header}: {text}"
            );
        }
        assert_eq!(lines[0].len(), lines[1].len(), "{text}");
    }

    #[test]
    fn empty_stopped_sessions_are_not_worth_listing_but_the_running_one_is() {
        assert!(!worth_listing(&session(1, Some(2), 0)));
        assert!(worth_listing(&session(2, Some(2), 5)));
        assert!(worth_listing(&session(3, None, 0)));
    }
}
