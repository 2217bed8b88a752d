//! `GET /api/access/whoami` (what the request's token allows; pages use it to enable their
//! buttons) and `GET /api/access/students` (teacher only: each student of the roster with the
//! address of its robot's remote page, without a token: tokens are shown only when issued).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use super::auth::{Role, Teacher, bearer};
use super::{ApiError, AppState};
use crate::contract::{StudentAccess, WhoAmI};

#[derive(Debug, Deserialize)]
struct WhoAmIQuery {
    /// The robot a page is about (the remote), so a student token can be recognised.
    robot: Option<String>,
}

#[get("/access/whoami")]
pub(super) async fn whoami(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<WhoAmIQuery>,
) -> Result<HttpResponse, ApiError> {
    let robot = match &query.robot {
        Some(raw) => Some(super::robots::robot_id(raw)?),
        None => None,
    };
    let role = bearer(&req).and_then(|token| state.access.role(token, robot.as_ref()));
    Ok(HttpResponse::Ok().json(match role {
        Some(Role::Teacher) => WhoAmI::Teacher,
        Some(Role::Student { robot, .. }) => WhoAmI::Student { robot },
        None => WhoAmI::None,
    }))
}

#[get("/access/students")]
pub(super) async fn students(
    _: Teacher,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let list: Vec<StudentAccess> = state
        .class
        .list()
        .await?
        .into_iter()
        .map(|s| {
            let remote = s.robot.as_ref().map(|r| format!("/remote/{r}"));
            StudentAccess {
                url: remote.as_ref().map(|r| format!("{}{r}", state.base_url)),
                remote,
                student: s.student,
                name: s.name,
                team: s.team,
                robot: s.robot,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
