//! The students' token hashes in memory, for the HTTP API's "whose token is this?". Filled
//! from SQLite at startup and kept current by [`super::ClassAccess`]; a removed or reissued
//! token stops working with the next request.
//!
//! Tokens are checked against each salted hash in turn: a class is tens of students and one
//! salted SHA-256 of a 32-character token is well under a microsecond, so a lookup index (which
//! would need an unsalted or a derivable part in the token) buys nothing.

use std::sync::{PoisonError, RwLock};

use fleet_protocol::RobotId;

use super::StudentId;
use crate::broker::access::PasswordHash;

/// Who a student token belongs to and which robot it drives (none: assigned to no robot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentLogin {
    pub student: StudentId,
    pub robot: Option<RobotId>,
}

#[derive(Debug, Default)]
pub struct StudentDirectory {
    entries: RwLock<Vec<(StudentLogin, PasswordHash)>>,
}

impl StudentDirectory {
    /// Adds `login` or replaces the entry of the same student.
    pub fn upsert(&self, login: StudentLogin, hash: PasswordHash) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|(l, _)| l.student != login.student);
        entries.push((login, hash));
    }

    /// Changes the robot a student drives (keeping its token); false when unknown.
    pub fn set_robot(&self, student: &StudentId, robot: Option<RobotId>) -> bool {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        match entries.iter_mut().find(|(l, _)| l.student == *student) {
            Some((login, _)) => {
                login.robot = robot;
                true
            }
            None => false,
        }
    }

    /// The robot `student` drives: `None` for a student not in the roster, `Some(None)` for
    /// one assigned to no robot.
    pub fn robot_of(&self, student: &StudentId) -> Option<Option<RobotId>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .find(|(l, _)| l.student == *student)
            .map(|(l, _)| l.robot.clone())
    }

    pub fn remove(&self, student: &StudentId) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(l, _)| l.student != *student);
    }

    /// The student whose token this is.
    pub fn find(&self, token: &str) -> Option<StudentLogin> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .find(|(_, hash)| hash.matches(token.as_bytes()))
            .map(|(login, _)| login.clone())
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(student: &str, robot: Option<&str>) -> StudentLogin {
        StudentLogin {
            student: StudentId::parse(student).unwrap(),
            robot: robot.map(|r| RobotId::parse(r).unwrap()),
        }
    }

    #[test]
    fn a_token_finds_its_student_until_it_is_replaced_or_removed() {
        let directory = StudentDirectory::default();
        directory.upsert(
            login("ada", Some("r1")),
            PasswordHash::new("t-ada").unwrap(),
        );
        directory.upsert(login("bob", None), PasswordHash::new("t-bob").unwrap());
        assert_eq!(directory.find("t-ada"), Some(login("ada", Some("r1"))));
        assert_eq!(directory.find("t-bob"), Some(login("bob", None)));
        assert_eq!(directory.find("t-eve"), None);

        assert!(directory.set_robot(&login("bob", None).student, login("x", Some("r2")).robot));
        assert_eq!(directory.find("t-bob"), Some(login("bob", Some("r2"))));

        directory.upsert(
            login("ada", Some("r1")),
            PasswordHash::new("t-ada-2").unwrap(),
        );
        assert_eq!(
            directory.find("t-ada"),
            None,
            "a reissued token replaces the old one"
        );
        assert_eq!(directory.len(), 2);
        directory.remove(&login("ada", None).student);
        assert_eq!(directory.find("t-ada-2"), None);
        assert_eq!(directory.len(), 1);
    }
}
