//! What can go wrong with accounts and sessions.

use actix_web::http::StatusCode;

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
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::InvalidInput(_) => "invalid_input",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(AccountError);

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database query failed"))
    }
}
