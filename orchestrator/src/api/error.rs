//! API errors: each becomes a status code and a JSON body `{"error": "..."}` a person can read.
//! A server-side failure (5xx) keeps its cause as a source: the whole chain is logged on the
//! server, and the client gets a short sentence without internals (no SQL, no paths).

use std::error::Error as StdError;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use tracing::error;

use crate::contract::ErrorBody;
use crate::domain::BadGroupName;
use crate::recorder::RecorderError;
use crate::store::{GroupError, StoreError};

type Cause = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The token is valid but does not allow this (a student lifting the teacher's stop).
    #[error("{0}")]
    Forbidden(String),
    /// A part of the server (the fleet's actors, the recorder) is not answering.
    #[error("{what} is not answering")]
    Unavailable {
        what: &'static str,
        #[source]
        source: Option<Cause>,
    },
    /// The server's own failure; `what` is what the client is told, `source` what is logged.
    #[error("internal error: {what}")]
    Internal {
        what: String,
        #[source]
        source: Option<Cause>,
    },
}

impl ApiError {
    /// A server-side failure with nothing underneath (an invariant that did not hold).
    pub fn internal(what: impl Into<String>) -> Self {
        ApiError::Internal {
            what: what.into(),
            source: None,
        }
    }

    /// A server-side failure caused by `source`, which is logged, not shown.
    pub fn internal_from(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        ApiError::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }
}

/// `error` and every source below it, `: `-separated, for the server's log.
pub fn cause_chain(error: &dyn StdError) -> String {
    let mut chain = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        next = cause.source();
    }
    chain
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            error!(status = status.as_u16(), cause = %cause_chain(self), "request failed");
        }
        HttpResponse::build(status).json(ErrorBody {
            error: self.to_string(),
        })
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(e: actix::MailboxError) -> Self {
        ApiError::Unavailable {
            what: "the fleet",
            source: Some(Box::new(e)),
        }
    }
}

/// A database failure is the server's fault, never the request's.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal_from("the database could not complete the request", e)
    }
}

impl From<RecorderError> for ApiError {
    fn from(e: RecorderError) -> Self {
        match e {
            RecorderError::Store(e) => e.into(),
            other => ApiError::Unavailable {
                what: "the recorder",
                source: Some(Box::new(other)),
            },
        }
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
            GroupError::BadName(e) => e.into(),
            GroupError::Unknown(_) | GroupError::NotMember { .. } => {
                ApiError::NotFound(e.to_string())
            }
            GroupError::Exists(_) => ApiError::Conflict(e.to_string()),
            GroupError::Store(e) => e.into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_failure_keeps_its_cause_for_the_log_and_tells_the_client_no_internals() {
        let store = StoreError::Query {
            what: "listing robots",
            source: sqlx::Error::Protocol(
                "near \"SELEC\": syntax error in SELEC id FROM robots".into(),
            ),
        };
        let api = ApiError::from(store);
        assert_eq!(api.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let told = api.to_string();
        assert!(
            !told.contains("SELEC") && !told.contains("listing robots"),
            "{told}"
        );
        let logged = cause_chain(&api);
        assert!(logged.starts_with(&told), "{logged}");
        assert!(
            logged.contains("listing robots") && logged.contains("SELEC id FROM robots"),
            "{logged}"
        );
    }
}
