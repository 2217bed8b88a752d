//! `GET /api/access/whoami` (what the request's token allows; pages use it to enable their
//! buttons) and `GET /api/access/students` (teacher only: each known robot's student token and
//! the address of its remote page).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use super::auth::{Role, Teacher, bearer};
use super::{ApiError, AppState};
use crate::actors::ListRobots;
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
        Some(Role::Student { robot }) => WhoAmI::Student { robot },
        None => WhoAmI::None,
    }))
}

#[get("/access/students")]
pub(super) async fn students(
    _: Teacher,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let robots = state.fleet.send(ListRobots).await?;
    let list: Vec<StudentAccess> = robots
        .iter()
        .map(|r| {
            let token = state.access.student_token(&r.id);
            let remote = format!("/remote/{}?token={token}", r.id);
            StudentAccess {
                robot: r.id.clone(),
                url: format!("{}{remote}", state.base_url),
                remote,
                token,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
