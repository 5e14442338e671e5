//! What can go wrong with sync rooms over REST.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;
use crate::ids::UserId;

/// Sync room errors.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no such sync room, or you are not one of its participants")]
    RoomNotFound,
    #[error("no such group, or you are not a member of it")]
    GroupNotFound,
    #[error("user {0:?} cannot be a participant: a group room is for members of its group, any other room for your friends; add them to the group or befriend them first")]
    NotAllowed(UserId),
    #[error("{0}")]
    InvalidUrl(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for SyncError {
    fn status(&self) -> StatusCode {
        match self {
            Self::RoomNotFound | Self::GroupNotFound => StatusCode::NOT_FOUND,
            Self::NotAllowed(_) => StatusCode::FORBIDDEN,
            Self::InvalidUrl(_) | Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::RoomNotFound => "sync_room_not_found",
            Self::GroupNotFound => "group_not_found",
            Self::NotAllowed(_) => "participant_not_allowed",
            Self::InvalidUrl(_) => "invalid_url",
            Self::InvalidInput(_) => "invalid_input",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(SyncError);

crate::impl_from_sqlx!(SyncError);
