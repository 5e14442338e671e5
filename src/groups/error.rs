//! What can go wrong with groups.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;
use crate::ids::UserId;

/// Group errors.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("no such group, or you are not a member of it")]
    NoSuchGroup,
    #[error("only the group's owner may add members or remove others")]
    NotOwner,
    #[error("no user with id {0:?}")]
    NoSuchUser(UserId),
    #[error("the owner may add only their friends; send a friend request first")]
    NotFriends,
    #[error("that user is not a member of the group")]
    NotAMember,
    #[error("the owner cannot leave their own group")]
    OwnerCannotLeave,
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for GroupError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NoSuchGroup | Self::NoSuchUser(_) | Self::NotAMember => StatusCode::NOT_FOUND,
            Self::NotOwner | Self::NotFriends => StatusCode::FORBIDDEN,
            Self::OwnerCannotLeave => StatusCode::CONFLICT,
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NoSuchGroup => "group_not_found",
            Self::NotOwner => "not_owner",
            Self::NoSuchUser(_) => "user_not_found",
            Self::NotFriends => "not_friends",
            Self::NotAMember => "member_not_found",
            Self::OwnerCannotLeave => "owner_cannot_leave",
            Self::InvalidInput(_) => "invalid_input",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(GroupError);

crate::impl_from_sqlx!(GroupError);
