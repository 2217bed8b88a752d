//! Robot credentials (teacher only): `POST /api/robots/{id}/enroll` issues one (username =
//! MQTT client id = robot id; the password is in the answer, once) and `DELETE
//! /api/robots/{id}/enroll` revokes it, cutting a connected robot off at once.
//! `GET /api/robots/throttled` (open, like every read) lists robots whose messages the broker
//! drops for flooding.

use actix_web::{HttpResponse, delete, get, post, web};

use super::robots::robot_id;
use super::{ApiError, AppState, Teacher};
use crate::contract::roster::Removed;
use crate::domain::now_ms;

#[post("/robots/{id}/enroll")]
pub(super) async fn enroll(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let robot = robot_id(&id)?;
    let enrolled = state
        .class
        .enroll(&robot, state.robot_broker_url.clone(), now_ms())
        .await?;
    Ok(HttpResponse::Created().json(enrolled))
}

#[delete("/robots/{id}/enroll")]
pub(super) async fn revoke(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let robot = robot_id(&id)?;
    state.class.revoke(&robot).await?;
    Ok(HttpResponse::Ok().json(Removed {
        removed: robot.to_string(),
    }))
}

#[get("/robots/throttled")]
pub(super) async fn throttled(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.class.throttled()))
}
