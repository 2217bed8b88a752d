//! A CSV row's message cells straight from the payload's JSON: one pass of serde_json's parser
//! over the bytes that fills the cells of the columns it meets, without building a
//! `serde_json::Value` tree (a map and a string per field) for each record first.
//!
//! The cells are what looking each column's path up in the parsed `Value` gives: a scalar as
//! `Value`'s own text (numbers through `serde_json::Number`), a string as is, an array or
//! object as compact JSON, `null` or a missing field as an empty cell.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The message columns of one CSV table and the cells of the row being written.
pub(super) struct Flattener {
    /// Column index by its dotted path (`motors.left`).
    index: HashMap<String, usize>,
    /// One cell per column, reused from row to row.
    cells: Vec<String>,
    path: String,
}

impl Flattener {
    pub(super) fn new(columns: &[String]) -> Self {
        Self {
            index: columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect(),
            cells: vec![String::new(); columns.len()],
            path: String::new(),
        }
    }

    /// Fills the cells from `payload` (JSON). A payload that is not a JSON object leaves
    /// every cell empty, as a path looked up in it finds nothing.
    pub(super) fn fill(&mut self, payload: &[u8]) -> Result<&[String], serde_json::Error> {
        for cell in &mut self.cells {
            cell.clear();
        }
        self.path.clear();
        let mut json = serde_json::Deserializer::from_slice(payload);
        (&mut json).deserialize_any(Descend {
            index: &self.index,
            cells: &mut self.cells,
            path: &mut self.path,
        })?;
        json.end()?;
        Ok(&self.cells)
    }
}

/// A value that is not a column: an object is walked for the columns under it, anything else
/// is skipped.
struct Descend<'a> {
    index: &'a HashMap<String, usize>,
    cells: &'a mut [String],
    path: &'a mut String,
}

impl<'de> Visitor<'de> for Descend<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Descend { index, cells, path } = self;
        let prefix = path.len();
        while let Some(plain) = map.next_key_seed(Key(&mut *path))? {
            // A key holding a dot names no column: a column's path splits at its dots.
            let column = if plain {
                index.get(path.as_str()).copied()
            } else {
                None
            };
            match column {
                Some(i) => {
                    // A repeated key: the last one counts, as in a parsed `Value`.
                    cells[i].clear();
                    map.next_value_seed(Cell(&mut cells[i]))?;
                }
                None if plain => map.next_value_seed(Descend {
                    index,
                    cells: &mut *cells,
                    path: &mut *path,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            path.truncate(prefix);
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Descend<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// An object key, appended to the path (after a dot below the top level); `true` when the key
/// itself holds no dot.
struct Key<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        if !self.0.is_empty() {
            self.0.push('.');
        }
        self.0.push_str(key);
        Ok(!key.contains('.'))
    }
}

/// The value of a column, written into its cell.
struct Cell<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // `Number`'s text, as `Value` prints it (JSON has no NaN or infinity to lose).
        if let Some(n) = serde_json::Number::from_f64(v) {
            let _ = write!(self.0, "{n}");
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value: Value =
            serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        let _ = write!(self.0, "{value}");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value: Value =
            serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let _ = write!(self.0, "{value}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the CSV wrote before: each column's path looked up in the parsed `Value`.
    fn by_lookup(payload: &str, columns: &[String]) -> Vec<String> {
        let message: Value = serde_json::from_str(payload).unwrap();
        columns
            .iter()
            .map(|c| {
                let found = c
                    .split('.')
                    .try_fold(&message, |value, name| value.get(name));
                match found {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                }
            })
            .collect()
    }

    #[test]
    fn cells_are_what_a_lookup_in_the_parsed_value_gives() {
        let columns: Vec<String> = [
            "seq",
            "motors.left",
            "motors.right",
            "pose.x",
            "name",
            "list",
            "nested",
            "gone",
            "a.b",
            "big",
            "neg",
            "exp",
            "deep.er.est",
            "flag",
            "nothing",
        ]
        .map(String::from)
        .to_vec();
        let payloads = [
            r#"{"seq":3,"motors":{"left":0.5,"right":-0.25},"pose":{"x":1e3},"name":"a,\"b\"",
                "list":[1, 2.50, {"k":null}],"nested":{ "z":1, "a":[true] },"a.b":7,
                "big":18446744073709551615,"neg":-9223372036854775808,"exp":1.5E-7,
                "deep":{"er":{"est":"x\u00e9"}},"flag":false,"nothing":null,"extra":{"seq":9}}"#,
            r#"{"motors":"not an object","pose":null,"seq":"text"}"#,
            r#"{"seq":1,"seq":2}"#,
            r#"[1,2,3]"#,
            r#""just text""#,
            "{}",
        ];
        let mut flattener = Flattener::new(&columns);
        for payload in payloads {
            let cells = flattener.fill(payload.as_bytes()).unwrap().to_vec();
            assert_eq!(cells, by_lookup(payload, &columns), "{payload}");
        }
    }

    #[test]
    fn json_that_does_not_parse_is_an_error() {
        let mut flattener = Flattener::new(&["a".to_owned()]);
        for bad in [r#"{"a":"#, r#"{"a":1} trailing"#, "", "{\"a\":1,}"] {
            assert!(flattener.fill(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
