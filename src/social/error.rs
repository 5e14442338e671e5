//! What can go wrong with friend requests.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;

/// Friend errors.
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    #[error("you cannot befriend yourself")]
    SelfRequest,
    #[error("you are already friends")]
    AlreadyFriends,
    #[error("a friend request between you is already pending; the addressee can accept it")]
    RequestExists,
    #[error("no such friend request addressed to you")]
    NoSuchRequest,
    #[error("that user is not your friend")]
    NotFriends,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for SocialError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NoSuchUser(_) | Self::NoSuchRequest | Self::NotFriends => StatusCode::NOT_FOUND,
            Self::SelfRequest => StatusCode::UNPROCESSABLE_ENTITY,
            Self::AlreadyFriends | Self::RequestExists => StatusCode::CONFLICT,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NoSuchUser(_) => "user_not_found",
            Self::SelfRequest => "self_request",
            Self::AlreadyFriends => "already_friends",
            Self::RequestExists => "request_exists",
            Self::NoSuchRequest => "request_not_found",
            Self::NotFriends => "not_friends",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(SocialError);

crate::impl_from_sqlx!(SocialError);
