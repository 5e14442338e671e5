//! The error body every endpoint answers with, and the glue from domain errors to it.
//!
//! Each domain has its own `thiserror` enum implementing [`ApiErrorKind`]; the
//! [`impl_response_error!`] macro turns it into an actix `ResponseError` and
//! [`impl_from_sqlx!`] makes a failed query its unexpected case. Unexpected
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
    /// Seconds the client should wait before trying again (`Retry-After`), for refusals
    /// that pass with time: limits, a busy or full node.
    fn retry_after_secs(&self) -> Option<u64> {
        None
    }
}

/// Sets `Retry-After` on a response, the JSON errors' and the pages' alike.
pub fn set_retry_after(response: &mut HttpResponse, secs: u64) {
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(secs),
    );
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

/// The response for any domain error. Only a 500 is unexpected: it is logged at ERROR
/// and its details stay in the log. Other server-side conditions (a store that is down
/// or full) are the operator's to fix, not bugs: they are logged at WARN and tell the
/// client what happened in their own words.
pub fn respond<E: ApiErrorKind + std::fmt::Debug>(err: &E) -> HttpResponse {
    let status = err.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = ?err, "request failed");
        return json_error(
            status,
            err.code(),
            "the server hit an unexpected error; try again later, and tell the operator if it persists",
        );
    }
    if status.is_server_error() {
        tracing::warn!(code = err.code(), status = status.as_u16(), reason = %err, "request refused by a server-side condition");
    }
    let mut response = json_error(status, err.code(), &err.to_string());
    if let Some(secs) = err.retry_after_secs() {
        set_retry_after(&mut response, secs);
    }
    response
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

/// Implements `From<sqlx::Error>` for a domain error enum with an `Unexpected` variant:
/// a failed query is not the client's doing, so it is logged with this context, never shown.
#[macro_export]
macro_rules! impl_from_sqlx {
    ($ty:ty) => {
        impl From<sqlx::Error> for $ty {
            fn from(e: sqlx::Error) -> Self {
                Self::Unexpected(anyhow::Error::new(e).context("database query failed"))
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

impl_from_sqlx!(CommonError);

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the object store is full; ask the operator to add space")]
    struct Full;

    impl ApiErrorKind for Full {
        fn status(&self) -> StatusCode {
            StatusCode::INSUFFICIENT_STORAGE
        }
        fn code(&self) -> &'static str {
            "store_full"
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `respond` logs for `err`, and the message it answers with.
    fn respond_logged(err: &Full) -> (String, HttpResponse) {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let response = tracing::subscriber::with_default(subscriber, || respond(err));
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        (text, response)
    }

    #[test]
    fn a_full_store_is_a_warning_with_its_own_message() {
        let (log, response) = respond_logged(&Full);
        assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(log.contains("WARN"), "{log}");
        assert!(!log.contains("ERROR"), "{log}");
        assert!(log.contains("store_full"), "{log}");
    }
}
