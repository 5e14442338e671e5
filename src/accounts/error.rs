//! What can go wrong with accounts and sessions.

use actix_web::http::StatusCode;

use super::sign_in::SignInError;
use crate::auth::{HashError, Throttled};
use crate::error::ApiErrorKind;

/// Account and session errors.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("that username is taken; choose another")]
    UsernameTaken,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the refresh token is invalid, expired or already used; sign in again")]
    InvalidRefreshToken,
    #[error("too many failed attempts from this account or address; wait {} s (Retry-After) and try again", .0.retry_after_secs())]
    TooManyAttempts(Throttled),
    #[error("the service is busy checking passwords; try again in a second")]
    Busy,
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for AccountError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UsernameTaken => StatusCode::CONFLICT,
            Self::InvalidCredentials | Self::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::TooManyAttempts(_) => "too_many_attempts",
            Self::Busy => "busy",
            Self::InvalidInput(_) => "invalid_input",
            Self::Unexpected(_) => "internal",
        }
    }
    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts(t) => Some(t.retry_after_secs()),
            Self::Busy => Some(1),
            _ => None,
        }
    }
}

crate::impl_response_error!(AccountError);

crate::impl_from_sqlx!(AccountError);

impl From<Throttled> for AccountError {
    fn from(t: Throttled) -> Self {
        Self::TooManyAttempts(t)
    }
}

impl From<HashError> for AccountError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<SignInError> for AccountError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Wrong => Self::InvalidCredentials,
            SignInError::Throttled(t) => Self::TooManyAttempts(t),
            SignInError::Hashing(e) => e.into(),
            SignInError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}
