//! What can go wrong with media records.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;

/// Media errors.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Also for media the caller may not see: its existence is not revealed.
    #[error("no such media")]
    NotFound,
    #[error("only the owner may change or delete this media")]
    NotOwner,
    #[error("{0}")]
    InvalidInput(String),
    /// The reason is for the owner only; others learn just that the clip failed.
    #[error("this clip could not be processed{}", .0.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Failed(Option<String>),
    /// Only a failed clip can be retried.
    #[error("only a failed clip can be retried; this one is {0}")]
    NotFailed(String),
    /// The original upload was removed (a rejected file): upload the clip again.
    #[error("the original upload of this clip is no longer stored; upload it again")]
    OriginalGone,
    #[error("the object store is unavailable; try again shortly")]
    StoreUnavailable,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for MediaError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::NotOwner => StatusCode::FORBIDDEN,
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Failed(_) | Self::NotFailed(_) => StatusCode::CONFLICT,
            Self::OriginalGone => StatusCode::GONE,
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NotOwner => "not_owner",
            Self::InvalidInput(_) => "invalid_input",
            Self::Failed(_) => "media_failed",
            Self::NotFailed(_) => "media_not_failed",
            Self::OriginalGone => "original_gone",
            Self::StoreUnavailable => "store_unavailable",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(MediaError);

crate::impl_from_sqlx!(MediaError);

impl From<crate::storage::StoreError> for MediaError {
    fn from(e: crate::storage::StoreError) -> Self {
        match e {
            crate::storage::StoreError::Unreachable(reason) => {
                tracing::warn!(%reason, "object store call failed");
                Self::StoreUnavailable
            }
            refused => Self::Unexpected(anyhow::Error::new(refused).context("object store")),
        }
    }
}
