//! `orchestrator sessions delete ID` and `sessions prune --older-than 30d [--yes]`: without
//! `--yes` a prune only lists what it would delete (a dry run), so nothing goes by accident.

use super::ApiClient;
use super::format::{duration, plural, utc_time};
use crate::contract::{PruneRequest, SessionsDeleted};

/// `30d`, `12h`, `90m`, `2w`, `45s` as milliseconds.
pub fn parse_age(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{raw:?}: give a unit (30d, 12h, 90m, 2w)"))?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{raw:?}: a whole number must come first (30d)"))?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(format!("{raw:?}: unknown unit {unit:?} (s, m, h, d or w)")),
    };
    n.checked_mul(unit_ms)
        .ok_or_else(|| format!("{raw:?}: too long ago"))
}

/// Bytes as `512 B`, `3.4 kB`, `12.0 MB`, `1.2 GB`.
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

pub fn delete(client: &ApiClient, id: i64) -> anyhow::Result<()> {
    let deleted: SessionsDeleted = client.delete(&format!("/api/sessions/{id}"))?;
    print!("{}", report(&deleted));
    Ok(())
}

pub fn prune(client: &ApiClient, older_than: i64, yes: bool) -> anyhow::Result<()> {
    let request = PruneRequest {
        older_than_ms: older_than,
        dry_run: !yes,
    };
    let answer: SessionsDeleted = client.post("/api/sessions/prune", &request)?;
    print!("{}", report(&answer));
    if answer.dry_run && !answer.sessions.is_empty() {
        println!("(a dry run: add --yes to delete them)");
    }
    Ok(())
}

/// What went (or would go), one line per session and a total.
fn report(d: &SessionsDeleted) -> String {
    let verb = if d.dry_run { "would delete" } else { "deleted" };
    let mut out = String::new();
    for s in &d.sessions {
        let length = s.stopped_at_ms.map_or(0, |stop| stop - s.started_at_ms);
        out.push_str(&format!(
            "{:>5}  {:<24}  {}  {:<12}  {:>9} records  {:>9}\n",
            s.id,
            s.name.chars().take(24).collect::<String>(),
            utc_time(s.started_at_ms),
            duration(length),
            s.records,
            size(s.bytes)
        ));
    }
    out.push_str(&format!(
        "{verb} {}: {} records, {}",
        plural(d.sessions.len(), "session"),
        d.records,
        size(d.bytes)
    ));
    if !d.dry_run && d.pages_before > 0 {
        out.push_str(&format!(
            "; the database file went from {} to {} pages",
            d.pages_before, d.pages_after
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_days_hours_minutes_and_weeks() {
        assert_eq!(parse_age("30d"), Ok(30 * 86_400_000));
        assert_eq!(parse_age("12h"), Ok(12 * 3_600_000));
        assert_eq!(parse_age("90m"), Ok(90 * 60_000));
        assert_eq!(parse_age("2w"), Ok(14 * 86_400_000));
        assert!(parse_age("30").unwrap_err().contains("unit"));
        assert!(parse_age("d").is_err());
        assert!(parse_age("3y").unwrap_err().contains("unknown unit"));
        assert!(parse_age("-3d").is_err());
    }

    #[test]
    fn sizes_read_in_the_largest_unit() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3_400), "3.4 kB");
        assert_eq!(size(12_000_000), "12.0 MB");
        assert_eq!(size(1_200_000_000), "1.2 GB");
    }
}
