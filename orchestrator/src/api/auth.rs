//! Who may change things. Reads (`GET`) are open; every mutating route takes an extractor:
//! [`Teacher`] (the teacher's token) or [`RobotDriver`] (the teacher's token, or the student
//! token of the robot named in the path). Tokens come in `Authorization: Bearer <token>`.
//!
//! Student tokens are not stored: each is HMAC-SHA256(teacher token, "student:" + robot id),
//! cut to 24 hex digits (96 bits). Anyone who knows the teacher's token can derive them (the
//! teacher lists them with `GET /api/access/students`); a student who knows one learns nothing
//! about the others or the teacher's token; a new teacher token revokes them all at once.

use std::future::{Ready, ready};

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use fleet_protocol::RobotId;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::contract::ErrorBody;

/// Hex digits kept of a student token's HMAC.
const STUDENT_TOKEN_HEX: usize = 24;
/// Random bytes in a generated teacher token.
const GENERATED_TOKEN_BYTES: usize = 16;

/// The tokens the server accepts.
#[derive(Clone)]
pub struct Access {
    teacher: String,
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
        robot: RobotId,
    },
}

impl Access {
    pub fn new(teacher_token: impl Into<String>) -> Self {
        Self {
            teacher: teacher_token.into(),
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

    /// The token that lets a student drive `robot` (and only it).
    pub fn student_token(&self, robot: &RobotId) -> String {
        let mac = hmac_sha256(
            self.teacher.as_bytes(),
            format!("student:{robot}").as_bytes(),
        );
        let mut token = hex(&mac);
        token.truncate(STUDENT_TOKEN_HEX);
        token
    }

    /// What `token` allows on `robot` (the robot the request is about, if any).
    pub fn role(&self, token: &str, robot: Option<&RobotId>) -> Option<Role> {
        if same(token, &self.teacher) {
            return Some(Role::Teacher);
        }
        let robot = robot?;
        same(token, &self.student_token(robot)).then(|| Role::Student {
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

/// HMAC (RFC 2104) over SHA-256, from the hash alone.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robot(raw: &str) -> RobotId {
        RobotId::parse(raw).unwrap()
    }

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_student_token_drives_its_own_robot_and_no_other() {
        let access = Access::new("teacher-secret");
        let token = access.student_token(&robot("sim-01"));
        assert_eq!(token.len(), STUDENT_TOKEN_HEX);
        assert_eq!(
            access.role(&token, Some(&robot("sim-01"))),
            Some(Role::Student {
                robot: robot("sim-01")
            })
        );
        assert_eq!(access.role(&token, Some(&robot("sim-02"))), None);
        assert_eq!(access.role(&token, None), None);
    }

    #[test]
    fn the_teacher_token_allows_everything_and_a_wrong_one_nothing() {
        let access = Access::new("teacher-secret");
        assert_eq!(access.role("teacher-secret", None), Some(Role::Teacher));
        assert_eq!(
            access.role("teacher-secret", Some(&robot("sim-01"))),
            Some(Role::Teacher)
        );
        assert_eq!(access.role("teacher-secreT", Some(&robot("sim-01"))), None);
        assert_eq!(access.role("", None), None);
    }

    #[test]
    fn a_new_teacher_token_changes_every_student_token() {
        let a = Access::new("one").student_token(&robot("sim-01"));
        let b = Access::new("two").student_token(&robot("sim-01"));
        assert_ne!(a, b);
    }

    #[test]
    fn generated_teacher_tokens_are_long_and_differ() {
        let a = Access::generate_token().unwrap();
        let b = Access::generate_token().unwrap();
        assert_eq!(a.len(), 2 * GENERATED_TOKEN_BYTES);
        assert_ne!(a, b);
    }
}
