//! One JSON schema per message family, generated from the Rust types (`schemars`), and the flat
//! CSV columns (`line.left`, `motors.left`, ...) read off those schemas, so a new protocol field
//! appears in every export without anyone listing it.

use fleet_protocol::{Ack, Command, Event, Status, Telemetry};
use schemars::{JsonSchema, schema_for};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::message::{LegacyText, Unreadable};
use crate::domain::RecordKind;

/// The payload of a `state` record: a change of the robot's state the orchestrator derived
/// (online, stale, offline), as the robot actor records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StateChange {
    pub from: String,
    pub to: String,
    pub reason: String,
}

/// The JSON payload of a game master's event record (`game/started`, ...): the game as the API
/// shows it (`contract::game::GameDetails`); the schema names its first fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GameEvent {
    pub name: String,
    pub phase: String,
}

/// The schema's name in an MCAP file (what Foxglove shows beside a topic).
pub fn schema_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Status => "fleet.Status",
        RecordKind::Telemetry => "fleet.Telemetry",
        RecordKind::Event => "fleet.Event",
        RecordKind::Command => "fleet.Command",
        RecordKind::Ack => "fleet.Ack",
        RecordKind::State => "fleet.StateChange",
        RecordKind::Game => "fleet.Game",
    }
}

/// Name of the schema of [`Unreadable`] wrappers.
pub const UNREADABLE_SCHEMA_NAME: &str = "fleet.Unreadable";

/// The JSON schema (draft 2020-12) of a family's messages.
pub fn family_schema(kind: RecordKind) -> Value {
    let schema = match kind {
        RecordKind::Status => schema_for!(Status),
        RecordKind::Telemetry => schema_for!(Telemetry),
        RecordKind::Event => schema_for!(Event),
        RecordKind::Command => schema_for!(Command),
        RecordKind::Ack => schema_for!(Ack),
        RecordKind::State => schema_for!(StateChange),
        RecordKind::Game => schema_for!(GameEvent),
    };
    schema.to_value()
}

pub fn unreadable_schema() -> Value {
    schema_for!(Unreadable).to_value()
}

/// Name of the schema of the course game's legacy text messages ([`LegacyText`]).
pub const TEXT_SCHEMA_NAME: &str = "fleet.LegacyText";

pub fn text_schema() -> Value {
    schema_for!(LegacyText).to_value()
}

/// The leaf fields of a family's messages as dotted paths, in schema order (properties
/// alphabetically, then the fields each variant of a tagged enum adds). An optional object
/// (`pose`) gives its fields; an array stays one column.
pub fn columns(kind: RecordKind) -> Vec<String> {
    let schema = family_schema(kind);
    let mut out = Vec::new();
    collect_leaves(&schema, &schema, "", &mut out, 0);
    out
}

/// Deeper than any protocol type nests; stops a recursive type from looping forever.
const MAX_DEPTH: usize = 16;

fn collect_leaves(root: &Value, node: &Value, prefix: &str, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let node = resolve(root, node);
    let mut composite = false;
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        composite = true;
        for (name, field) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            collect_leaves(root, field, &path, out, depth + 1);
        }
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        if let Some(variants) = node.get(keyword).and_then(Value::as_array) {
            composite = true;
            for variant in variants {
                collect_leaves(root, variant, prefix, out, depth + 1);
            }
        }
    }
    let null_only = node.get("type").and_then(Value::as_str) == Some("null");
    if !composite && !null_only && !prefix.is_empty() && !out.iter().any(|c| c == prefix) {
        out.push(prefix.to_owned());
    }
}

/// Follows a local `$ref` (`#/$defs/Pose`) to the schema it names.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
        return node;
    };
    reference
        .strip_prefix('#')
        .and_then(|pointer| root.pointer(pointer))
        .unwrap_or(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_columns_are_the_flat_fields_of_the_rust_type() {
        let columns = columns(RecordKind::Telemetry);
        for expected in [
            "seq",
            "ts_ms",
            "mode",
            "line.left",
            "line.middle",
            "line.right",
            "motors.left",
            "motors.right",
            "servos.camera_tilt",
            "servos.claw",
            "battery_v",
            "pose.x",
            "pose.y",
            "pose.heading",
        ] {
            assert!(
                columns.iter().any(|c| c == expected),
                "{expected} in {columns:?}"
            );
        }
        assert!(
            !columns.iter().any(|c| c == "pose" || c == "line"),
            "{columns:?}"
        );
    }

    #[test]
    fn tagged_enum_columns_gather_every_variant_field_once() {
        let columns = columns(RecordKind::Event);
        for expected in [
            "kind",
            "sensor",
            "on_line",
            "line.middle",
            "timeout_ms",
            "reason",
        ] {
            assert!(
                columns.iter().any(|c| c == expected),
                "{expected} in {columns:?}"
            );
        }
        let kinds = columns.iter().filter(|c| *c == "kind").count();
        assert_eq!(kinds, 1, "{columns:?}");
        let commands = super::columns(RecordKind::Command);
        for expected in [
            "id", "kind", "speed", "turn", "joint", "angle", "r", "g", "b",
        ] {
            assert!(
                commands.iter().any(|c| c == expected),
                "{expected} in {commands:?}"
            );
        }
    }

    #[test]
    fn every_family_has_an_object_schema_with_a_title() {
        for kind in RecordKind::ALL {
            let schema = family_schema(kind);
            assert_eq!(schema["type"], "object", "{kind:?}: {schema}");
            assert!(schema["title"].is_string(), "{kind:?}: {schema}");
            assert!(!columns(kind).is_empty(), "{kind:?}");
        }
    }
}
