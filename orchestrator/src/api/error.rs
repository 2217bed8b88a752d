//! API errors: each becomes a status code and a JSON body `{"error": "..."}` a person can read.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::domain::BadGroupName;
use crate::store::{GroupError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the fleet is not answering: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({ "error": self.to_string() }))
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(e: actix::MailboxError) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

/// A database failure is the server's fault, never the request's.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<BadGroupName> for ApiError {
    fn from(e: BadGroupName) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// Each group error as the status code that says what kind of failure it is.
impl From<GroupError> for ApiError {
    fn from(e: GroupError) -> Self {
        match e {
            GroupError::BadName(_) => ApiError::BadRequest(e.to_string()),
            GroupError::Unknown(_) | GroupError::NotMember { .. } => {
                ApiError::NotFound(e.to_string())
            }
            GroupError::Exists(_) => ApiError::Conflict(e.to_string()),
            GroupError::Store(_) => ApiError::Internal(e.to_string()),
        }
    }
}

/// Malformed JSON bodies answer 400 with the parser's message instead of actix's plain text.
pub fn json_config() -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(fleet_protocol::MAX_PAYLOAD_BYTES)
        .error_handler(|err, _req| {
            let message = format!("invalid request body: {err}");
            ApiError::BadRequest(message).into()
        })
}

/// Path segments that fail to parse (e.g. a non-numeric session id) answer 400 in JSON too.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default()
        .error_handler(|err, _req| ApiError::BadRequest(format!("invalid path: {err}")).into())
}
