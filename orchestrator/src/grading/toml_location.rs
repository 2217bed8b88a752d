//! Where in a TOML text a problem is, for errors a teacher can act on: the line (toml's error
//! spans are byte offsets) and the dotted key (`criteria.best_lap.weight`).

use super::rubric::RubricError;

/// A TOML or shape error with its line and dotted key.
pub(super) fn syntax_error(text: &str, origin: &str, e: &toml::de::Error) -> RubricError {
    let offset = e.span().map_or(0, |s| s.start.min(text.len()));
    let line = text[..offset].matches('\n').count() + 1;
    let this_line = text.lines().nth(line - 1).unwrap_or("");
    let named = backticked_field(e.message());
    let key = if let Some(header) = header_name(this_line) {
        // An unknown table: its header is the key.
        Some(header.to_owned())
    } else {
        let table = table_before(text, offset);
        named.or_else(|| key_on_line(this_line)).map(|k| {
            if table.is_empty() {
                k.to_owned()
            } else {
                format!("{table}.{k}")
            }
        })
    };
    RubricError::Invalid {
        origin: origin.to_owned(),
        line,
        key,
        problem: e.message().trim().to_owned(),
    }
}

/// `unknown field `x`, expected ...` and `missing field `x`` name their key first.
fn backticked_field(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split('`').next()
}

fn header_name(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?;
    let inner = inner.trim_start_matches('[');
    let end = inner.find(']')?;
    Some(inner[..end].trim())
}

fn key_on_line(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#')).then_some(key)
}

/// The table whose body holds `offset` ("" for the top level).
fn table_before(text: &str, offset: usize) -> String {
    text[..offset]
        .lines()
        .rev()
        .find_map(header_name)
        .unwrap_or("")
        .to_owned()
}

/// The line `key = ...` sits on in `table` (its header's line if the key is not written out,
/// the first line if neither is).
pub(super) fn line_of_key(text: &str, table: &str, key: &str) -> usize {
    let mut current = "";
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(h) = header_name(line) {
            current = h;
            if h == table {
                header_line = Some(i + 1);
            }
        } else if current == table && key_on_line(line) == Some(key) {
            return i + 1;
        }
    }
    header_line.unwrap_or(1)
}
