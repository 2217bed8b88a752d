//! The orchestrator's clock: Unix milliseconds, for record times, session and mission times.

/// Now, in Unix milliseconds (0 if the system clock is before 1970, never a panic).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
