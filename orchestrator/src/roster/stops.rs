//! Who set each robot's emergency stop, so that a student lifts only a stop it set itself and
//! the teacher's stop (all robots, a group or one robot) is lifted only by the teacher.
//!
//! The robot's latch cannot tell who set it (one `estop` is like another), so the orchestrator
//! keeps the ledger and every release from a student, by HTTP or MQTT, is checked against it.
//! It lives in memory: after a restart nobody holds a recorded stop, and a student may release
//! only a stop recorded as its own, so a latch that survived a restart is the teacher's to lift.

use std::collections::{HashMap, HashSet};

use fleet_protocol::{CommandKind, RobotId};

use super::StudentId;

/// Who holds a robot's stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopHolder {
    Teacher,
    Student(StudentId),
}

/// What a teacher's stop or release is about.
#[derive(Debug, Clone, Copy)]
pub enum StopTarget<'a> {
    All,
    Robots(&'a [RobotId]),
}

/// Who sends a command, for [`StopLedger::admit`].
#[derive(Debug, Clone, Copy)]
pub enum Commander<'a> {
    Teacher,
    Student {
        student: &'a StudentId,
        robot: &'a RobotId,
    },
}

/// A student's release refused: whose stop it is (none recorded: the teacher's to lift).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", refusal_text(.robot, .holder))]
pub struct StopRefusal {
    pub robot: RobotId,
    pub holder: Option<StopHolder>,
}

fn refusal_text(robot: &RobotId, holder: &Option<StopHolder>) -> String {
    match holder {
        Some(StopHolder::Teacher) => {
            format!("the emergency stop on {robot} is the teacher's: only the teacher can lift it")
        }
        Some(StopHolder::Student(other)) => format!(
            "the emergency stop on {robot} was set by {other}: only they or the teacher can lift it"
        ),
        None => format!("no stop you set on {robot} is recorded: only the teacher can lift it"),
    }
}

#[derive(Debug, Default)]
pub struct StopLedger {
    /// The teacher's STOP ALL is in force (for robots not seen yet as well).
    all: bool,
    /// Robots the teacher released one by one (or by group) while STOP ALL is in force.
    lifted: HashSet<RobotId>,
    /// Robots the teacher stopped one by one or by group.
    teacher: HashSet<RobotId>,
    /// Robots a student stopped, and which student.
    students: HashMap<RobotId, StudentId>,
}

impl StopLedger {
    /// Applies `kind` from `who` on `target`: a stop is recorded, a release recorded or
    /// refused. Other commands pass (the robot itself refuses motion while latched). A
    /// student's target is its robot, whatever `target` says.
    pub fn admit(
        &mut self,
        who: Commander<'_>,
        target: StopTarget<'_>,
        kind: &CommandKind,
    ) -> Result<(), StopRefusal> {
        match (who, kind) {
            (Commander::Teacher, CommandKind::Estop) => self.teacher_stop(target),
            (Commander::Teacher, CommandKind::Release) => self.teacher_release(target),
            (Commander::Student { student, robot }, CommandKind::Estop) => {
                self.student_stop(student, robot)
            }
            (Commander::Student { student, robot }, CommandKind::Release) => self
                .student_release(student, robot)
                .map_err(|holder| StopRefusal {
                    robot: robot.clone(),
                    holder,
                })?,
            _ => {}
        }
        Ok(())
    }

    pub fn teacher_stop(&mut self, target: StopTarget<'_>) {
        match target {
            StopTarget::All => {
                self.all = true;
                self.lifted.clear();
            }
            StopTarget::Robots(robots) => {
                for robot in robots {
                    self.lifted.remove(robot);
                    self.teacher.insert(robot.clone());
                }
            }
        }
    }

    /// The teacher lifts every kind of stop on the target, students' included.
    pub fn teacher_release(&mut self, target: StopTarget<'_>) {
        match target {
            StopTarget::All => *self = Self::default(),
            StopTarget::Robots(robots) => {
                for robot in robots {
                    self.teacher.remove(robot);
                    self.students.remove(robot);
                    if self.all {
                        self.lifted.insert(robot.clone());
                    }
                }
            }
        }
    }

    /// A student stops its robot; a stop the teacher holds stays the teacher's.
    pub fn student_stop(&mut self, student: &StudentId, robot: &RobotId) {
        if self.holder(robot).is_none() {
            self.students.insert(robot.clone(), student.clone());
        }
    }

    /// A student asks to lift the stop on its robot: allowed only when the ledger says this
    /// student set it; otherwise the holder (none when nobody's stop is recorded).
    pub fn student_release(
        &mut self,
        student: &StudentId,
        robot: &RobotId,
    ) -> Result<(), Option<StopHolder>> {
        match self.holder(robot) {
            Some(StopHolder::Student(s)) if s == *student => {
                self.students.remove(robot);
                Ok(())
            }
            other => Err(other),
        }
    }

    pub fn holder(&self, robot: &RobotId) -> Option<StopHolder> {
        if self.teacher.contains(robot) || (self.all && !self.lifted.contains(robot)) {
            return Some(StopHolder::Teacher);
        }
        self.students.get(robot).cloned().map(StopHolder::Student)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str) -> RobotId {
        RobotId::parse(id).unwrap()
    }

    fn s(id: &str) -> StudentId {
        StudentId::parse(id).unwrap()
    }

    #[test]
    fn a_student_lifts_its_own_stop_but_never_the_teachers_or_a_neighbours() {
        let mut ledger = StopLedger::default();
        ledger.student_stop(&s("ada"), &r("r1"));
        assert_eq!(ledger.holder(&r("r1")), Some(StopHolder::Student(s("ada"))));
        assert_eq!(
            ledger.student_release(&s("bob"), &r("r1")),
            Err(Some(StopHolder::Student(s("ada"))))
        );
        assert_eq!(ledger.student_release(&s("ada"), &r("r1")), Ok(()));
        assert_eq!(ledger.holder(&r("r1")), None);
        assert_eq!(
            ledger.student_release(&s("ada"), &r("r1")),
            Err(None),
            "no recorded stop: a latch from before a restart is the teacher's"
        );
    }

    #[test]
    fn the_teachers_stop_all_covers_robots_seen_later_and_a_students_stop_under_it() {
        let mut ledger = StopLedger::default();
        ledger.student_stop(&s("ada"), &r("r1"));
        ledger.teacher_stop(StopTarget::All);
        for robot in ["r1", "r2", "never-seen"] {
            assert_eq!(
                ledger.holder(&r(robot)),
                Some(StopHolder::Teacher),
                "{robot}"
            );
        }
        assert_eq!(
            ledger.student_release(&s("ada"), &r("r1")),
            Err(Some(StopHolder::Teacher))
        );
        ledger.student_stop(&s("bob"), &r("r2"));
        assert_eq!(ledger.holder(&r("r2")), Some(StopHolder::Teacher));
        ledger.teacher_release(StopTarget::All);
        assert_eq!(ledger.holder(&r("r1")), None);
        assert_eq!(ledger.holder(&r("r2")), None);
    }

    #[test]
    fn a_group_stop_is_the_teachers_until_the_teacher_lifts_it_robot_by_robot_or_all() {
        let mut ledger = StopLedger::default();
        let group = [r("r1"), r("r2")];
        ledger.teacher_stop(StopTarget::Robots(&group));
        assert_eq!(ledger.holder(&r("r3")), None);
        assert_eq!(
            ledger.student_release(&s("ada"), &r("r1")),
            Err(Some(StopHolder::Teacher))
        );
        ledger.teacher_release(StopTarget::Robots(&group[..1]));
        assert_eq!(ledger.holder(&r("r1")), None);
        assert_eq!(ledger.holder(&r("r2")), Some(StopHolder::Teacher));
        ledger.teacher_stop(StopTarget::All);
        ledger.teacher_release(StopTarget::Robots(&group[1..]));
        assert_eq!(ledger.holder(&r("r2")), None, "lifted under STOP ALL");
        assert_eq!(ledger.holder(&r("r1")), Some(StopHolder::Teacher));
    }
}
