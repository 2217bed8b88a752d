//! A student's own topics: `students/{student}/cmd`, where a student's program publishes
//! commands for the robot it drives, and `students/{student}/answer`, where the orchestrator
//! answers each one. A student never publishes on `robots/{id}/cmd` itself: the orchestrator
//! relays after checking (only the teacher lifts the teacher's stop), which works the same on
//! the embedded broker and on Mosquitto, whose ACLs cannot look inside a payload.

const ROOT: &str = "students";
const CMD: &str = "cmd";
const ANSWER: &str = "answer";

/// What the orchestrator subscribes to: every student's command topic.
pub const STUDENT_CMD_FILTER: &str = "students/+/cmd";

/// Where student `student` publishes commands.
pub fn cmd(student: &str) -> String {
    format!("{ROOT}/{student}/{CMD}")
}

/// Where the orchestrator answers student `student`'s commands.
pub fn answer(student: &str) -> String {
    format!("{ROOT}/{student}/{ANSWER}")
}

/// The student of a command topic (`students/{student}/cmd`), if it is one.
pub fn parse_cmd(topic: &str) -> Option<&str> {
    let rest = topic.strip_prefix(ROOT)?.strip_prefix('/')?;
    let (student, kind) = rest.split_once('/')?;
    (kind == CMD && !student.is_empty() && !student.contains(['+', '#'])).then_some(student)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_topic_round_trips_and_nothing_else_parses_as_one() {
        assert_eq!(cmd("ada"), "students/ada/cmd");
        assert_eq!(parse_cmd(&cmd("ada")), Some("ada"));
        for other in [
            "students/ada/answer",
            "students/ada/cmd/x",
            "students//cmd",
            "students/+/cmd",
            "robots/ada/cmd",
            "studentsx/ada/cmd",
        ] {
            assert_eq!(parse_cmd(other), None, "{other}");
        }
        assert_eq!(answer("ada"), "students/ada/answer");
    }
}
