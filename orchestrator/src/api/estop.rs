//! `POST /api/estop` and `POST /api/release`, for every robot or `?group=NAME`. The answer
//! accounts for every robot targeted (see [`crate::contract::FanoutReport`]); it is 200 even when some did not
//! acknowledge: the lists say who, and the caller decides what to do about it.

use actix_web::{HttpRequest, HttpResponse, post, web};
use fleet_protocol::CommandKind;
use serde::Deserialize;

use super::many::{group_name, to_all, to_group};
use super::{ApiError, AppState, Teacher};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    group: Option<String>,
}

/// A misspelt query must not widen a release to every robot, so unknown keys are refused.
fn target(req: &HttpRequest) -> Result<Target, ApiError> {
    web::Query::<Target>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("invalid query: {e} (use ?group=NAME)")))
}

async fn fan_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    kind: CommandKind,
) -> Result<HttpResponse, ApiError> {
    let report = match target(&req)?.group {
        None => to_all(&state, kind).await?,
        Some(raw) => to_group(&state, &group_name(&raw)?, kind).await?,
    };
    Ok(HttpResponse::Ok().json(report))
}

#[post("/estop")]
pub(super) async fn estop(
    _: Teacher,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    fan_out(req, state, CommandKind::Estop).await
}

#[post("/release")]
pub(super) async fn release(
    _: Teacher,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    fan_out(req, state, CommandKind::Release).await
}
