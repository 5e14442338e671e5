//! The error body every endpoint answers with, and the glue from domain errors to it.
//!
//! Each domain has its own `thiserror` enum implementing [`ApiErrorKind`]; the
//! [`impl_response_error!`] macro turns it into an actix `ResponseError`. Unexpected
//! errors (status 500) are logged with their context and never shown to the client.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

/// What a domain error tells the client: an HTTP status and a stable snake_case code.
pub trait ApiErrorKind: std::error::Error {
    /// The HTTP status of this error.
    fn status(&self) -> StatusCode;
    /// The stable machine-readable code.
    fn code(&self) -> &'static str;
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

/// `{"error": {"code", "message"}}` with the given status.
pub fn json_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody {
        error: ErrorDetail { code, message },
    })
}

/// The response for any domain error; internal errors are logged, not shown.
pub fn respond<E: ApiErrorKind + std::fmt::Debug>(err: &E) -> HttpResponse {
    let status = err.status();
    if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(error = ?err, "request failed");
        return json_error(
            status,
            err.code(),
            "the server hit an unexpected error; try again later, and tell the operator if it persists",
        );
    }
    json_error(status, err.code(), &err.to_string())
}

/// Implements `actix_web::ResponseError` for a domain error enum.
#[macro_export]
macro_rules! impl_response_error {
    ($ty:ty) => {
        impl actix_web::ResponseError for $ty {
            fn status_code(&self) -> actix_web::http::StatusCode {
                $crate::error::ApiErrorKind::status(self)
            }
            fn error_response(&self) -> actix_web::HttpResponse {
                $crate::error::respond(self)
            }
        }
    };
}

/// Errors shared by every domain: who is asking, what exists, malformed input.
#[derive(Debug, thiserror::Error)]
pub enum CommonError {
    #[error("sign in first: send `Authorization: Bearer <access token>`")]
    Unauthenticated,
    #[error("the access token is invalid or expired; refresh it or sign in again")]
    InvalidToken,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for CommonError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::NotFound(_) => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::Unexpected(_) => "internal",
        }
    }
}
impl_response_error!(CommonError);

impl From<sqlx::Error> for CommonError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database query failed"))
    }
}
