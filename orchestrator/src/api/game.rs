//! The course's game: `GET|POST /api/games`, `GET /api/games/{game}`, and
//! `POST /api/games/{game}/{start,pause,resume,end}`; `{game}` is a name or `current`. Requests
//! and answers are the types of [`crate::contract::game`]; reads are open, changes need the
//! teacher's token.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, get, post, web};
use fleet_game::GameError;

use super::{ApiError, AppState, Teacher};
use crate::contract::game::{NewGame, NotReady, StartGame};
use crate::game::ControlError;
use crate::game::master::MasterError;

/// A control error as an answer; a refused start lists who is not ready.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(super) struct GameApiError(#[from] ControlError);

impl ResponseError for GameApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            ControlError::NotReady(_) => StatusCode::CONFLICT,
            _ => self.api().status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match &self.0 {
            ControlError::NotReady(not_ready) => HttpResponse::Conflict().json(NotReady {
                error: self.0.to_string(),
                not_ready: not_ready.clone(),
            }),
            _ => self.api().error_response(),
        }
    }
}

impl GameApiError {
    fn api(&self) -> ApiError {
        let message = self.0.to_string();
        match &self.0 {
            ControlError::NoGame | ControlError::UnknownGame(_) => ApiError::NotFound(message),
            ControlError::Master(MasterError::Exists(_) | MasterError::Open(_)) => {
                ApiError::Conflict(message)
            }
            ControlError::Master(MasterError::Reserved(_))
            | ControlError::Master(MasterError::Rules(GameError::Config(_)))
            | ControlError::Rules(GameError::Config(_))
            | ControlError::Teams(_)
            | ControlError::GroupName(_) => ApiError::BadRequest(message),
            ControlError::Master(MasterError::Rules(GameError::WrongPhase { .. }))
            | ControlError::Rules(GameError::WrongPhase { .. })
            | ControlError::NotReady(_) => ApiError::Conflict(message),
            ControlError::Group(e) => group_status(e, message),
            ControlError::Unavailable(_) => ApiError::Unavailable {
                what: "the game master",
                source: None,
            },
        }
    }
}

/// Group errors keep their own status codes (a missing group is a 404).
fn group_status(e: &crate::store::GroupError, message: String) -> ApiError {
    use crate::store::GroupError;
    match e {
        GroupError::BadName(_) => ApiError::BadRequest(message),
        GroupError::Unknown(_) | GroupError::NotMember { .. } => ApiError::NotFound(message),
        GroupError::Exists(_) => ApiError::Conflict(message),
        GroupError::Store(_) => ApiError::internal(message),
    }
}

type Answer = Result<HttpResponse, GameApiError>;

#[get("/games")]
pub(super) async fn list(state: web::Data<AppState>) -> Answer {
    Ok(HttpResponse::Ok().json(state.game.list().await?))
}

#[post("/games")]
pub(super) async fn create(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<NewGame>,
) -> Answer {
    let game = state.game.create(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(game))
}

#[get("/games/{game}")]
pub(super) async fn one(state: web::Data<AppState>, path: web::Path<String>) -> Answer {
    Ok(HttpResponse::Ok().json(state.game.show(Some(&path)).await?))
}

#[post("/games/{game}/start")]
pub(super) async fn start(
    _: Teacher,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Option<web::Json<StartGame>>,
) -> Answer {
    let request = body.map(web::Json::into_inner).unwrap_or_default();
    Ok(HttpResponse::Ok().json(state.game.start(Some(&path), request).await?))
}

#[post("/games/{game}/pause")]
pub(super) async fn pause(
    _: Teacher,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Answer {
    Ok(HttpResponse::Ok().json(state.game.pause(Some(&path)).await?))
}

#[post("/games/{game}/resume")]
pub(super) async fn resume(
    _: Teacher,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Answer {
    Ok(HttpResponse::Ok().json(state.game.resume(Some(&path)).await?))
}

#[post("/games/{game}/end")]
pub(super) async fn end(_: Teacher, state: web::Data<AppState>, path: web::Path<String>) -> Answer {
    Ok(HttpResponse::Ok().json(state.game.end(Some(&path)).await?))
}
