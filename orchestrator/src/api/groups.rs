//! Groups of robots: `GET|POST /api/groups`, `GET|DELETE /api/groups/{name}`,
//! `POST /api/groups/{name}/members`, `DELETE /api/groups/{name}/members/{robot}`,
//! `POST /api/groups/{name}/commands` (one command to every member), and
//! `POST /api/fleet/commands` (one command to every robot, one broadcast).

use actix_web::{HttpResponse, delete, get, post, web};
use fleet_protocol::{CommandKind, RobotId};

use super::many::{group_name, to_all, to_group};
use super::robots::{robot_id, seen};
use super::{ApiError, AppState, Teacher};
use crate::contract::{Deleted, Members, NewGroup};
use crate::domain::now_ms;

/// Parses robot ids and checks the fleet has seen each one, naming the first that fails.
async fn known_robots(state: &AppState, raw: &[String]) -> Result<Vec<RobotId>, ApiError> {
    let mut robots = Vec::with_capacity(raw.len());
    for r in raw {
        robots.push(seen(state, robot_id(r)?).await?.id);
    }
    Ok(robots)
}

#[get("/groups")]
pub(super) async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let groups = state.store.list_groups().await?;
    Ok(HttpResponse::Ok().json(groups))
}

#[post("/groups")]
pub(super) async fn create(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let name = group_name(&body.name)?;
    let robots = known_robots(&state, &body.robots).await?;
    let at = now_ms();
    state.store.create_group(&name, at).await?;
    let group = state.store.add_group_members(&name, &robots, at).await?;
    Ok(HttpResponse::Created().json(group))
}

#[get("/groups/{name}")]
pub(super) async fn one(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = state.store.get_group(&group_name(&name)?).await?;
    Ok(HttpResponse::Ok().json(group))
}

#[delete("/groups/{name}")]
pub(super) async fn remove(
    _: Teacher,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = group_name(&name)?;
    state.store.delete_group(&name).await?;
    Ok(HttpResponse::Ok().json(Deleted { deleted: name }))
}

#[post("/groups/{name}/members")]
pub(super) async fn add_members(
    _: Teacher,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: web::Json<Members>,
) -> Result<HttpResponse, ApiError> {
    let name = group_name(&name)?;
    let robots = known_robots(&state, &body.robots).await?;
    let group = state
        .store
        .add_group_members(&name, &robots, now_ms())
        .await?;
    Ok(HttpResponse::Ok().json(group))
}

#[delete("/groups/{name}/members/{robot}")]
pub(super) async fn remove_member(
    _: Teacher,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, robot) = path.into_inner();
    let name = group_name(&name)?;
    let robot = robot_id(&robot)?;
    let group = state.store.remove_group_members(&name, &[robot]).await?;
    Ok(HttpResponse::Ok().json(group))
}

#[post("/groups/{name}/commands")]
pub(super) async fn command(
    _: Teacher,
    state: web::Data<AppState>,
    name: web::Path<String>,
    kind: web::Json<CommandKind>,
) -> Result<HttpResponse, ApiError> {
    let report = to_group(&state, &group_name(&name)?, kind.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[post("/fleet/commands")]
pub(super) async fn command_all(
    _: Teacher,
    state: web::Data<AppState>,
    kind: web::Json<CommandKind>,
) -> Result<HttpResponse, ApiError> {
    let report = to_all(&state, kind.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}
