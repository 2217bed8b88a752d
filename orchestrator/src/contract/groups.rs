//! Groups: `GET /api/groups` answers a list of [`Group`]s; `POST /api/groups` (body
//! [`NewGroup`]), `GET /api/groups/{name}`, `POST /api/groups/{name}/members` (body
//! [`Members`]) and `DELETE /api/groups/{name}/members/{robot}` answer the group;
//! `DELETE /api/groups/{name}` answers [`Deleted`]. Group commands answer a
//! [`super::FanoutReport`].

use serde::{Deserialize, Serialize};

use crate::domain::GroupName;
pub use crate::store::Group;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub name: String,
    #[serde(default)]
    pub robots: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Members {
    pub robots: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub deleted: GroupName,
}
