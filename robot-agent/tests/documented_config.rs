//! The config files the docs print are the agent's: each TOML block marked
//! `<!-- ...: checked by robot-agent/tests/documented_config.rs -->` in docs/setup-robot.md and
//! docs/rasptank.md is read by the agent's own parser, the "defaults" blocks resolve to exactly
//! the defaults, and the defaults block names every setting the agent has.

use std::path::Path;

use clap::{CommandFactory, Parser};
use robot_agent::config::{Cli, FileConfig, Settings};
use robot_agent::hal::rasptank::RasptankConfig;
use robot_agent::runtime::AgentConfig;

const CHECKED_BY: &str = ": checked by robot-agent/tests/documented_config.rs -->";
const AGENT_DEFAULTS: &str = "<!-- agent config, defaults";
const AGENT_EXAMPLE: &str = "<!-- agent config, a robot";
const RASPTANK_DEFAULTS: &str = "<!-- rasptank config, defaults";

fn doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The `toml` blocks right after a `{kind}{CHECKED_BY}` line.
fn blocks(text: &str, kind: &str) -> Vec<String> {
    let marker = format!("{kind}{CHECKED_BY}");
    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != marker {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some("```toml"),
            "{marker} must be followed by a ```toml block"
        );
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        found.push(body.join("\n"));
    }
    found
}

fn parse(block: &str) -> FileConfig {
    toml::from_str(block).unwrap_or_else(|e| panic!("the agent refuses\n{block}\n: {e}"))
}

/// What the agent runs with for `file`, the id given (the MAC lookup is not what is tested).
fn resolve(file: FileConfig) -> Settings {
    let cli = Cli::try_parse_from(["robot-agent", "--id", "tank-01"]).expect("valid flags");
    Settings::merge(cli, file, || unreachable!("the id is given")).expect("valid settings")
}

fn assert_same(documented: &Settings, defaults: &Settings) {
    let agent: (&AgentConfig, &AgentConfig) = (&documented.agent, &defaults.agent);
    assert_eq!(agent.0, agent.1);
    assert_eq!(documented.backend, defaults.backend);
    assert_eq!(documented.sim, defaults.sim);
    assert_eq!(documented.rasptank, defaults.rasptank);
}

#[test]
fn the_documented_agent_defaults_are_the_agents_defaults() {
    let text = doc("setup-robot.md");
    let found = blocks(&text, AGENT_DEFAULTS);
    assert_eq!(found.len(), 1, "one defaults block in setup-robot.md");
    let documented = resolve(parse(&found[0]));
    assert_same(&documented, &resolve(FileConfig::default()));
}

#[test]
fn the_documented_agent_defaults_name_every_setting_the_agent_takes() {
    let block = blocks(&doc("setup-robot.md"), AGENT_DEFAULTS).remove(0);
    // A key counts when it is set or shown commented out: `key = ` or `# key = `.
    let keys: Vec<&str> = block
        .lines()
        .map(|l| l.trim_start_matches('#').trim_start())
        .filter_map(|l| l.split_once(" = ").map(|(key, _)| key))
        .collect();
    for arg in Cli::command().get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "config" | "help" | "version") {
            continue;
        }
        // `--sim-map` is `map` in the `[sim]` table.
        let key = id.strip_prefix("sim_").unwrap_or(id);
        assert!(
            keys.contains(&key),
            "setup-robot.md's defaults block lacks `{key}` (flag --{})",
            arg.get_long().unwrap_or(id)
        );
    }
}

#[test]
fn the_documented_rasptank_defaults_are_the_backends_defaults_and_nest_under_rasptank() {
    let found = blocks(&doc("rasptank.md"), RASPTANK_DEFAULTS);
    assert_eq!(found.len(), 1, "one defaults block in rasptank.md");
    let config = RasptankConfig::from_toml_str(&found[0]).expect("the backend reads it");
    assert_eq!(config, RasptankConfig::default());
    // The same tables under `rasptank.`, as the agent's file takes them.
    let nested: String = found[0]
        .lines()
        .map(|l| match l.strip_prefix('[') {
            Some(rest) => format!("[rasptank.{rest}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    assert_same(&resolve(parse(&nested)), &resolve(FileConfig::default()));
}

#[test]
fn every_documented_robot_config_is_read_and_passes_the_backends_checks() {
    let mut found = blocks(&doc("setup-robot.md"), AGENT_EXAMPLE);
    found.extend(blocks(&doc("rasptank.md"), AGENT_EXAMPLE));
    assert!(
        found.len() >= 2,
        "a robot example in each of setup-robot.md and rasptank.md"
    );
    for block in found {
        let settings = resolve(parse(&block));
        settings
            .rasptank
            .validate()
            .unwrap_or_else(|e| panic!("the backend refuses\n{block}\n: {e}"));
    }
}

/// Every key of a TOML table as a dotted path (`motors.left.enable`), tables not counted.
fn dotted_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        match value {
            toml::Value::Table(inner) => dotted_keys(inner, &format!("{path}."), out),
            _ => out.push(path),
        }
    }
}

#[test]
fn the_documented_rasptank_defaults_name_every_key_of_the_backend() {
    let block = blocks(&doc("rasptank.md"), RASPTANK_DEFAULTS).remove(0);
    // A key shown commented out (`# mac = ...`, an optional one) counts as documented.
    let uncommented: String = block
        .lines()
        .map(|l| match l.trim_start().strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") && !rest.starts_with('[') => format!("{rest}\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    let documented: toml::Table = toml::from_str(&uncommented).expect("the block is TOML");
    let mut shown = Vec::new();
    dotted_keys(&documented, "", &mut shown);
    let mut config = RasptankConfig::default();
    // An optional key only serializes when set.
    config.ir.mac = Some("dc:a6:32:bf:91:cc".into());
    let all: toml::Table = toml::from_str(&toml::to_string(&config).unwrap()).unwrap();
    let mut keys = Vec::new();
    dotted_keys(&all, "", &mut keys);
    for key in keys {
        // The joints other than the camera tilt are documented as "same limits".
        let as_shown = match key.strip_prefix("servos.joints.") {
            Some(rest) => match rest.split_once('.') {
                Some((_, field)) => format!("servos.joints.camera_tilt.{field}"),
                None => key.clone(),
            },
            None => key.clone(),
        };
        assert!(
            shown.contains(&as_shown),
            "rasptank.md's defaults block lacks `{key}`"
        );
    }
}
