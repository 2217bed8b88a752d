//! One place that sets up logging: `tracing` to stderr with a `RUST_LOG`-style filter.
//!
//! The default filter shows this workspace's own crates at the level asked for and every
//! dependency from `warn` only: at `info`, rmqtt alone prints its retainer configuration and
//! listener, actix its workers, the in-process simulated agents their connections, burying the
//! startup summary a teacher reads. `RUST_LOG` replaces the default filter entirely.

use tracing_subscriber::EnvFilter;

/// Our crates whose `info` lines are chatter at startup: the summary says the same once.
const QUIET_OWN_MODULES: &[&str] = &["orchestrator::mqtt::link", "orchestrator::sim"];

/// The filter used when `RUST_LOG` is unset: `level` for the orchestrator and the protocol,
/// `warn` for everything else (dependencies, the in-process simulated robots' agents).
pub fn default_filter(level: &str) -> String {
    let mut filter = format!("warn,orchestrator={level},fleet_protocol={level}");
    for module in QUIET_OWN_MODULES {
        filter.push_str(&format!(",{module}=warn"));
    }
    filter
}

/// Installs the global subscriber, writing to stderr so that a client subcommand's output
/// (`robots --json`) stays clean on stdout. [`default_filter`] of `level` applies when
/// `RUST_LOG` is unset. Safe to call twice (the second call is ignored), which tests rely on.
pub fn init(level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter(level)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_filter_parses_and_quiets_dependencies_below_warn() {
        let filter = default_filter("info");
        EnvFilter::try_new(&filter).expect("a valid filter");
        assert!(filter.starts_with("warn,"), "{filter}");
        assert!(filter.contains("orchestrator=info"), "{filter}");
        assert!(
            !filter.contains("rmqtt"),
            "dependencies fall under the warn default"
        );
    }
}
