//! `GET /api/access/whoami` answers [`WhoAmI`] (what the request's token allows; pages use it
//! to enable their buttons); `GET /api/access/students` (teacher only) a list of
//! [`StudentAccess`], the roster with each robot's remote address (never a token).

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

use crate::domain::GroupName;
use crate::roster::StudentId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum WhoAmI {
    Teacher,
    /// May drive this one robot, nothing else.
    Student {
        robot: RobotId,
    },
    /// No token, or one that allows nothing here.
    None,
}

/// A student of the roster and the address of its robot's remote page. The student's token is
/// not in it: the server keeps only its hash (`POST /api/roster/{student}/token` issues a new
/// one, shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentAccess {
    pub student: StudentId,
    pub name: String,
    pub team: Option<GroupName>,
    pub robot: Option<RobotId>,
    /// Path of the robot's remote page (add `?token=` and the student's token).
    pub remote: Option<String>,
    /// The same at the address students open (another machine's, when the server has one).
    pub url: Option<String>,
}
