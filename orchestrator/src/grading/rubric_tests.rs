//! Rubric files: the shipped default, and errors that name the file, the line and the key.

use super::rubric::{Rubric, RubricError};

fn error(text: &str) -> (String, usize, Option<String>) {
    match Rubric::parse(text, "class/rubric.toml") {
        Err(e @ RubricError::Invalid { .. }) => {
            let shown = e.to_string();
            let RubricError::Invalid { line, key, .. } = e else {
                unreachable!()
            };
            (shown, line, key)
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
