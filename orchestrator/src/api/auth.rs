//! Who may change things. Reads (`GET`) are open; every mutating route takes an extractor:
//! [`Teacher`] (the teacher's token) or [`RobotDriver`] (the teacher's token, or the student
//! token of the robot named in the path). Tokens come in `Authorization: Bearer <token>`.
//!
//! Student tokens come from the roster (see [`crate::roster`]): each is 128 random bits,
//! issued with the student's roster entry, stored only as a salted hash, revocable one by one
//! and derivable from nothing (not the robot id, not the teacher's token). A student token
//! allows commands to the robot its student drives, nothing else.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use fleet_protocol::RobotId;
use serde::Serialize;

use super::AppState;
use crate::contract::ErrorBody;
use crate::roster::{StudentDirectory, StudentId};
/// Random bytes in a generated teacher token.
const GENERATED_TOKEN_BYTES: usize = 16;

/// The tokens the server accepts.
#[derive(Clone)]
pub struct Access {
    teacher: String,
    students: Arc<StudentDirectory>,
}

impl std::fmt::Debug for Access {
    // Never print the token itself in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").finish_non_exhaustive()
    }
}

/// What a token allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    Teacher,
    /// May drive this one robot, nothing else.
    Student {
        student: StudentId,
        robot: RobotId,
    },
}

impl Access {
    /// The teacher's token and no students.
    pub fn new(teacher_token: impl Into<String>) -> Self {
        Self::with_students(teacher_token, Arc::default())
    }

    /// The teacher's token and the roster's student tokens (kept current by the roster).
    pub fn with_students(
        teacher_token: impl Into<String>,
        students: Arc<StudentDirectory>,
    ) -> Self {
        Self {
            teacher: teacher_token.into(),
            students,
        }
    }

    /// A fresh random teacher token (32 hex digits), for a server started without one.
    pub fn generate_token() -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; GENERATED_TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(hex(&bytes))
    }

    pub fn teacher_token(&self) -> &str {
        &self.teacher
    }

    /// What `token` allows on `robot` (the robot the request is about, if any).
    pub fn role(&self, token: &str, robot: Option<&RobotId>) -> Option<Role> {
        if same(token, &self.teacher) {
            return Some(Role::Teacher);
        }
        let robot = robot?;
        let login = self.students.find(token)?;
        (login.robot.as_ref() == Some(robot)).then(|| Role::Student {
            student: login.student,
            robot: robot.clone(),
        })
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "this action needs a token: send `Authorization: Bearer <token>` (the teacher's token is in the file <db>.teacher-token beside the server's database, which the CLI reads; or give the CLI --token / ORCHESTRATOR_TOKEN)"
    )]
    Missing,
    #[error("this token does not allow {0}")]
    Forbidden(String),
    #[error("the server is misconfigured: {0}")]
    Misconfigured(&'static str),
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::Missing => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden(_) => StatusCode::FORBIDDEN,
            AuthError::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, AuthError::Missing) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(ErrorBody {
            error: self.to_string(),
        })
    }
}

fn access(req: &HttpRequest) -> Result<&Access, AuthError> {
    req.app_data::<web::Data<AppState>>()
        .map(|state| state.access.as_ref())
        .ok_or(AuthError::Misconfigured("no application state"))
}

/// Proof that the request carries the teacher's token. Add it as a handler parameter to guard
/// a route: `async fn handler(_: Teacher, ...)`.
#[derive(Debug, Clone, Copy)]
pub struct Teacher;

impl FromRequest for Teacher {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(teacher(req))
    }
}

fn teacher(req: &HttpRequest) -> Result<Teacher, AuthError> {
    let token = bearer(req).ok_or(AuthError::Missing)?;
    match access(req)?.role(token, None) {
        Some(Role::Teacher) => Ok(Teacher),
        _ => Err(AuthError::Forbidden(format!(
            "{} {} (it needs the teacher's token)",
            req.method(),
            req.path()
        ))),
    }
}

/// Proof that the request may command the robot named `{id}` in the route's path: the
/// teacher's token, or that robot's student token.
#[derive(Debug, Clone)]
pub struct RobotDriver(pub Role);

impl FromRequest for RobotDriver {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(robot_driver(req))
    }
}

fn robot_driver(req: &HttpRequest) -> Result<RobotDriver, AuthError> {
    let token = bearer(req).ok_or(AuthError::Missing)?;
    // A path id that is not a valid robot id can only match the teacher's token; the handler
    // then refuses the id itself with a 400.
    let robot = req
        .match_info()
        .get("id")
        .and_then(|raw| RobotId::parse(raw).ok());
    match access(req)?.role(token, robot.as_ref()) {
        Some(role) => Ok(RobotDriver(role)),
        None => Err(AuthError::Forbidden(format!(
            "commanding robot {}",
            req.match_info().get("id").unwrap_or("?")
        ))),
    }
}

/// Equal strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::access::PasswordHash;
    use crate::roster::StudentLogin;

    fn robot(raw: &str) -> RobotId {
        RobotId::parse(raw).unwrap()
    }

    fn with_ada(token: &str, drives: &str) -> Access {
        let students = Arc::new(StudentDirectory::default());
        students.upsert(
            StudentLogin {
                student: StudentId::parse("ada").unwrap(),
                robot: Some(robot(drives)),
            },
            PasswordHash::new(token).unwrap(),
        );
        Access::with_students("teacher-secret", students)
    }

    #[test]
    fn a_student_token_drives_its_own_robot_and_no_other() {
        let access = with_ada("ada-token", "sim-01");
        assert_eq!(
            access.role("ada-token", Some(&robot("sim-01"))),
            Some(Role::Student {
                student: StudentId::parse("ada").unwrap(),
                robot: robot("sim-01")
            })
        );
        assert_eq!(access.role("ada-token", Some(&robot("sim-02"))), None);
        assert_eq!(access.role("ada-token", None), None);
        assert_eq!(access.role("ada-tokeN", Some(&robot("sim-01"))), None);
    }

    #[test]
    fn the_teacher_token_allows_everything_and_a_wrong_one_nothing() {
        let access = with_ada("ada-token", "sim-01");
        assert_eq!(access.role("teacher-secret", None), Some(Role::Teacher));
        assert_eq!(
            access.role("teacher-secret", Some(&robot("sim-01"))),
            Some(Role::Teacher)
        );
        assert_eq!(access.role("teacher-secreT", Some(&robot("sim-01"))), None);
        assert_eq!(access.role("", None), None);
    }

    #[test]
    fn generated_teacher_tokens_are_long_and_differ() {
        let a = Access::generate_token().unwrap();
        let b = Access::generate_token().unwrap();
        assert_eq!(a.len(), 2 * GENERATED_TOKEN_BYTES);
        assert_ne!(a, b);
    }
}
