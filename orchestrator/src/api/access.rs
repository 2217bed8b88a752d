//! `GET /api/access/whoami` (what the request's token allows; pages use it to enable their
//! buttons) and `GET /api/access/students` (teacher only: each known robot's student token and
//! the address of its remote page).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{Teacher, bearer};
use super::{ApiError, AppState};
use crate::actors::ListRobots;

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
        Some(role) => serde_json::to_value(role).unwrap_or_else(|_| json!({"role": "none"})),
        None => json!({ "role": "none" }),
    }))
}

#[derive(Debug, Serialize)]
struct StudentAccess {
    robot: String,
    token: String,
    /// Path of the robot's remote page with the token in it (prefix with the server's URL).
    remote: String,
    /// The same at the address students open (another machine's, when the server has one).
    url: String,
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
                robot: r.id.to_string(),
                url: format!("{}{remote}", state.base_url),
                remote,
                token,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
