//! Reads a class file: one student a line, `student id, name, team, robot id` (team and robot
//! may be empty). A header line, blank lines and `#` comments are skipped; a field may be
//! quoted (`"Doe, Jane"`, `""` for a quote inside). Every bad line is reported with its number
//! and nothing is imported, so a teacher fixes the file once rather than line by line.

use std::collections::HashSet;
use std::fmt;

use fleet_protocol::RobotId;

use super::StudentId;
use crate::store::GroupName;

/// Longest name kept (the `students` table's limit).
const MAX_NAME: usize = 200;

/// One student as the class file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterLine {
    /// 1-based line in the file, for messages.
    pub line: usize,
    pub student: StudentId,
    pub name: String,
    pub team: Option<GroupName>,
    pub robot: Option<RobotId>,
}

/// Every bad line of a class file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RosterErrors(pub Vec<String>);

impl fmt::Display for RosterErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the class file has {} bad line{} (nothing was imported):",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// Parses a whole class file.
pub fn parse_roster(text: &str) -> Result<Vec<RosterLine>, RosterErrors> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || (lines.is_empty() && is_header(trimmed))
        {
            continue;
        }
        match parse_line(number, trimmed) {
            Ok(line) if !seen.insert(line.student.clone()) => errors.push(format!(
                "line {number}: student {} appears twice",
                line.student
            )),
            Ok(line) => lines.push(line),
            Err(e) => errors.push(format!("line {number}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(RosterErrors(errors))
    }
}

fn is_header(line: &str) -> bool {
    let first = line.split(',').next().unwrap_or_default().trim();
    let first = first.trim_matches('"').to_ascii_lowercase();
    matches!(
        first.as_str(),
        "student" | "student id" | "student_id" | "id"
    )
}

fn parse_line(number: usize, line: &str) -> Result<RosterLine, String> {
    let fields = split_fields(line)?;
    if fields.len() != 4 {
        return Err(format!(
            "expected 4 fields (student id, name, team, robot id), found {}",
            fields.len()
        ));
    }
    let student = StudentId::parse(&fields[0]).map_err(|e| e.to_string())?;
    let name = fields[1].clone();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(format!("a name needs 1..{MAX_NAME} characters"));
    }
    let team = match fields[2].as_str() {
        "" => None,
        raw => Some(GroupName::parse(raw).map_err(|e| format!("team: {e}"))?),
    };
    let robot = match fields[3].as_str() {
        "" => None,
        raw => Some(RobotId::parse(raw).map_err(|e| format!("robot id: {e}"))?),
    };
    Ok(RosterLine {
        line: number,
        student,
        name,
        team,
        robot,
    })
}

/// Comma-separated fields, each trimmed; `"..."` quotes a field with commas in it.
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("a quoted field is not closed".into()),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            if !matches!(chars.peek(), None | Some(',')) {
                return Err("text after a closing quote".into());
            }
        } else {
            while let Some(c) = chars.peek().copied().filter(|c| *c != ',') {
                chars.next();
                field.push(c);
            }
        }
        fields.push(field.trim().to_owned());
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_file_with_a_header_comments_quotes_and_empty_fields_is_read() {
        let text = "student id,name,team,robot id\n\
                    # table 1\n\
                    s1, Ada Lovelace, red, sim-01\n\
                    \n\
                    s2,\"Hopper, Grace\",red,\n\
                    s3,\"Say \"\"hi\"\"\",,sim-03\n";
        let lines = parse_roster(text).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 3);
        assert_eq!(lines[0].name, "Ada Lovelace");
        assert_eq!(lines[0].team.as_ref().map(|t| t.as_str()), Some("red"));
        assert_eq!(lines[0].robot.as_ref().map(|r| r.as_str()), Some("sim-01"));
        assert_eq!(lines[1].name, "Hopper, Grace");
        assert_eq!(lines[1].robot, None);
        assert_eq!(lines[2].name, "Say \"hi\"");
        assert_eq!(lines[2].team, None);
    }

    #[test]
    fn every_bad_line_is_named_by_its_number() {
        let text = "s1,Ada,red,sim-01\n\
                    s 2,Bob,red,sim-02\n\
                    s3,,red,sim-03\n\
                    s4,Dan,red team,sim-04\n\
                    s5,Eve,red,sim/05\n\
                    s6,Fay,red\n\
                    s1,Ada again,red,sim-01\n\
                    s7,\"Gil,red,sim-07\n";
        let errors = parse_roster(text).unwrap_err().0;
        let numbers: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().unwrap())
            .collect();
        assert_eq!(
            numbers,
            [
                "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"
            ],
            "{errors:#?}"
        );
        assert!(errors[0].contains("bad student id"), "{}", errors[0]);
        assert!(errors[2].contains("team"), "{}", errors[2]);
        assert!(errors[3].contains("robot id"), "{}", errors[3]);
        assert!(errors[4].contains("expected 4 fields"), "{}", errors[4]);
        assert!(errors[5].contains("appears twice"), "{}", errors[5]);
        assert!(errors[6].contains("not closed"), "{}", errors[6]);
    }

    #[test]
    fn an_empty_file_is_an_empty_class() {
        assert_eq!(parse_roster("").unwrap(), vec![]);
        assert_eq!(parse_roster("student,name,team,robot\n").unwrap(), vec![]);
    }
}
