//! `GET /api/access/whoami` answers [`WhoAmI`] (what the request's token allows; pages use it
//! to enable their buttons); `GET /api/access/students` (teacher only) a list of
//! [`StudentAccess`].

use fleet_protocol::RobotId;
use serde::{Deserialize, Serialize};

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

/// A robot's student token and the path of its remote page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentAccess {
    pub robot: RobotId,
    pub token: String,
    /// Path of the robot's remote page with the token in it (prefix with the server's URL).
    pub remote: String,
    /// The same at the address students open (another machine's, when the server has one).
    pub url: String,
}
