//! `GET /api/robots`, `GET /api/robots/{id}`, `POST /api/robots/{id}/commands`.

use actix_web::{HttpResponse, get, post, web};
use fleet_protocol::{CommandKind, RobotId};

use super::many::check;
use super::stops::guard;
use super::{ApiError, AppState, RobotDriver};
use crate::actors::{CommandOutcome, GetRobot, ListRobots, RobotView, SendCommand};
use crate::contract::CommandAnswer;
use crate::roster::StopTarget;

/// Parses a robot id from the path, refusing hostile ids with the reason.
pub(super) fn robot_id(raw: &str) -> Result<RobotId, ApiError> {
    RobotId::parse(raw).map_err(|e| ApiError::BadRequest(format!("bad robot id: {e}")))
}

#[get("/robots")]
pub(super) async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let robots = state.fleet.send(ListRobots).await?;
    Ok(HttpResponse::Ok().json(robots))
}

#[get("/robots/{id}")]
pub(super) async fn one(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(seen(&state, robot_id(&id)?).await?))
}

/// The robot as the fleet sees it; 404 when the fleet has never heard from it.
pub(super) async fn seen(state: &AppState, id: RobotId) -> Result<RobotView, ApiError> {
    state
        .fleet
        .send(GetRobot(id.clone()))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no robot {id} has been seen")))
}

/// Sends one command and answers with its one outcome: 200 acked, 422 refused by the robot,
/// 504 no ack in time, 409 offline, 404 unknown robot, 503 could not be sent. Needs the
/// teacher's token or this robot's student token (401/403 otherwise).
#[post("/robots/{id}/commands")]
pub(super) async fn command(
    RobotDriver(role): RobotDriver,
    state: web::Data<AppState>,
    id: web::Path<String>,
    kind: web::Json<CommandKind>,
) -> Result<HttpResponse, ApiError> {
    let robot = robot_id(&id)?;
    let kind = kind.into_inner();
    check(&kind)?;
    // A student lifts only a stop it set itself (403 otherwise).
    guard(
        &state,
        &role,
        StopTarget::Robots(std::slice::from_ref(&robot)),
        &kind,
    )?;
    let outcome = state
        .fleet
        .send(SendCommand {
            robot: robot.clone(),
            kind,
        })
        .await?;
    Ok(outcome_response(&robot, &outcome))
}

pub(super) fn outcome_response(robot: &RobotId, outcome: &CommandOutcome) -> HttpResponse {
    use actix_web::http::StatusCode;
    let (status, error) = match outcome {
        CommandOutcome::Acked(_) => (StatusCode::OK, None),
        CommandOutcome::Rejected { message, .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(format!("robot {robot} refused: {message}")),
        ),
        CommandOutcome::TimedOut => (
            StatusCode::GATEWAY_TIMEOUT,
            Some(format!("robot {robot} did not acknowledge in time")),
        ),
        CommandOutcome::RobotOffline => (
            StatusCode::CONFLICT,
            Some(format!("robot {robot} is offline")),
        ),
        CommandOutcome::UnknownRobot => (
            StatusCode::NOT_FOUND,
            Some(format!("no robot {robot} has been seen")),
        ),
        CommandOutcome::Failed { reason } => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some(format!("command to {robot} failed: {reason}")),
        ),
    };
    HttpResponse::build(status).json(CommandAnswer {
        robot: robot.clone(),
        outcome: outcome.clone(),
        error,
    })
}
