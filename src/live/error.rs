//! What can go wrong with live shares over HTTP.

use actix_web::http::StatusCode;

use crate::error::{ApiErrorKind, CommonError};
use crate::ids::UserId;

/// Live share errors.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no such live share, or you are neither its sharer nor one of its viewers")]
    NotFound,
    #[error("this live share has ended; ask the sharer to start a new one")]
    Ended,
    #[error("only the sharer can do this")]
    NotSharer,
    #[error("user {0:?} is not your friend; only friends can watch a live share")]
    NotFriend(UserId),
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Common(#[from] CommonError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for LiveError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Ended => StatusCode::GONE,
            Self::NotSharer | Self::NotFriend(_) => StatusCode::FORBIDDEN,
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Common(e) => e.status(),
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "live_share_not_found",
            Self::Ended => "live_share_ended",
            Self::NotSharer => "not_sharer",
            Self::NotFriend(_) => "viewer_not_friend",
            Self::InvalidInput(_) => "invalid_input",
            Self::Common(e) => e.code(),
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(LiveError);

crate::impl_from_sqlx!(LiveError);
