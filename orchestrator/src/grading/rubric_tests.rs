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

const SMALL: &str = r#"name = "small"
version = 3
pass = 10

[criteria.completed]
weight = 10
laps = 2

[criteria.best_lap]
weight = 10
full_at_s = 30
zero_at_s = 60
"#;

#[test]
fn the_shipped_rubric_parses_with_its_defaults_and_a_stable_hash() {
    let rubric = Rubric::line_follow();
    assert_eq!(rubric.name, "line-follow oval");
    assert_eq!(rubric.scale, 20.0);
    assert_eq!(rubric.max_gap_ms, 500);
    assert_eq!(rubric.total_weight(), 20.0);
    assert_eq!(rubric.hash.len(), 64);
    assert_eq!(Rubric::line_follow().hash, rubric.hash);
    let c = &rubric.criteria;
    assert!(c.completed.is_some() && c.best_lap.is_some() && c.left_course.is_some());
    // Millimetres in the file, metres inside.
    assert_eq!(c.line_distance.unwrap().band.full_at, 0.010);
}

#[test]
fn a_rubric_may_leave_criteria_out_and_defaults_its_scale_to_twenty() {
    let rubric = Rubric::parse(SMALL, "small.toml").unwrap();
    assert_eq!(rubric.scale, 20.0);
    assert_eq!(rubric.version, 3);
    assert_eq!(rubric.criteria.completed.unwrap().laps, 2);
    assert!(rubric.criteria.on_line.is_none());
    // One changed number is a different rubric even at the same version.
    let edited = Rubric::parse(&SMALL.replace("30", "31"), "small.toml").unwrap();
    assert_ne!(edited.hash, rubric.hash);
}

#[test]
fn an_unknown_key_is_refused_with_the_file_its_line_and_the_dotted_key() {
    let text = SMALL.replace("zero_at_s = 60", "zero_at_s = 60\nzero_at_sec = 70");
    let (shown, line, key) = error(&text);
    assert_eq!(line, 13, "{shown}");
    assert_eq!(key.as_deref(), Some("criteria.best_lap.zero_at_sec"));
    assert!(
        shown.starts_with(
            "rubric class/rubric.toml, line 13, key `criteria.best_lap.zero_at_sec`: unknown field"
        ),
        "{shown}"
    );
}

#[test]
fn a_misspelt_criterion_is_refused_by_its_table_name() {
    let text = SMALL.replace("[criteria.best_lap]", "[criteria.bestlap]");
    let (shown, line, key) = error(&text);
    assert_eq!(
        (line, key.as_deref()),
        (9, Some("criteria.bestlap")),
        "{shown}"
    );
}

#[test]
fn a_value_of_the_wrong_type_names_its_key() {
    let text = SMALL.replace("weight = 10\nfull_at_s", "weight = \"ten\"\nfull_at_s");
    let (shown, line, key) = error(&text);
    assert_eq!(
        (line, key.as_deref()),
        (10, Some("criteria.best_lap.weight")),
        "{shown}"
    );
}

#[test]
fn a_missing_key_is_named() {
    let text = SMALL.replace("pass = 10\n", "");
    let (shown, _, key) = error(&text);
    assert_eq!(key.as_deref(), Some("pass"), "{shown}");
}

#[test]
fn numbers_that_make_no_sense_are_refused_at_their_line() {
    let cases = [
        (
            "zero_at_s = 60",
            "zero_at_s = 20",
            12,
            "criteria.best_lap.zero_at_s",
        ),
        ("laps = 2", "laps = 0", 7, "criteria.completed.laps"),
        ("pass = 10", "pass = 25", 3, "pass"),
        (
            "weight = 10\nlaps",
            "weight = -1\nlaps",
            6,
            "criteria.completed.weight",
        ),
    ];
    for (from, to, want_line, want_key) in cases {
        let (shown, line, key) = error(&SMALL.replace(from, to));
        assert_eq!(
            (line, key.as_deref()),
            (want_line, Some(want_key)),
            "{shown}"
        );
    }
}

#[test]
fn a_rubric_file_that_cannot_be_read_names_its_path() {
    let err = Rubric::load("/nonexistent/rubric.toml").unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/rubric.toml"),
        "{err}"
    );
}

#[test]
fn broken_toml_names_the_line() {
    let (shown, line, _) = error(&SMALL.replace("laps = 2", "laps = = 2"));
    assert_eq!(line, 7, "{shown}");
}
