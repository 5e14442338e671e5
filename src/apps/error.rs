//! What can go wrong with apps.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;

/// App errors.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "only administrators may register apps; ask the operator to set users.is_admin for you"
    )]
    NotAdmin,
    #[error("send the app's secret as `Authorization: Bearer <secret>`")]
    BadSecret,
    #[error("no such app")]
    NoSuchApp,
    #[error("{0}")]
    InvalidInput(String),
    /// A webhook URL that is not https or reaches inside; the text says which and why.
    #[error("{0}")]
    WebhookForbidden(String),
    #[error("the payload is larger than {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotAdmin => StatusCode::FORBIDDEN,
            Self::BadSecret => StatusCode::UNAUTHORIZED,
            Self::NoSuchApp => StatusCode::NOT_FOUND,
            Self::InvalidInput(_) | Self::WebhookForbidden(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NotAdmin => "not_admin",
            Self::BadSecret => "invalid_app_secret",
            Self::NoSuchApp => "app_not_found",
            Self::InvalidInput(_) => "invalid_input",
            Self::WebhookForbidden(_) => "webhook_url_forbidden",
            Self::TooLarge(_) => "too_large",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(AppError);

crate::impl_from_sqlx!(AppError);
