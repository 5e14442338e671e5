//! What can go wrong with an upload, each with its status and stable code.

use actix_web::http::StatusCode;

use super::state::UploadState;
use crate::error::ApiErrorKind;
use crate::storage::StoreError;

/// Upload errors.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the object store is unavailable; try again in a moment")]
    StoreUnavailable,
    #[error("the object store is full; try again later or ask the operator to add space")]
    StoreFull,
    #[error("this upload would exceed your quota of {limit} bytes ({used} used or reserved); delete clips to make room")]
    QuotaExceeded { used: i64, limit: i64 },
    #[error("the file is larger than the {max} bytes allowed")]
    TooLarge { max: u64 },
    #[error("content type {0:?} is not accepted; upload audio/* or video/*")]
    UnsupportedType(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("no such upload")]
    NotFound,
    #[error(
        "the store does not hold the uploaded object yet; PUT the file to the upload URL first"
    )]
    ObjectMissing,
    #[error(
        "the stored object is {actual} bytes but {declared} were declared; upload the file again"
    )]
    SizeMismatch { declared: u64, actual: u64 },
    #[error("the stored object's parts do not match the upload: {0}")]
    PartsMismatch(String),
    #[error("this upload is {0}; ask for a new upload")]
    NotPending(UploadState),
    #[error("this upload is completed; delete the media instead")]
    AlreadyCompleted,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiErrorKind for UploadError {
    fn status(&self) -> StatusCode {
        match self {
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::StoreFull => StatusCode::INSUFFICIENT_STORAGE,
            Self::QuotaExceeded { .. } | Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::ObjectMissing
            | Self::SizeMismatch { .. }
            | Self::PartsMismatch(_)
            | Self::NotPending(_)
            | Self::AlreadyCompleted => StatusCode::CONFLICT,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::StoreUnavailable => "store_unavailable",
            Self::StoreFull => "store_full",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::TooLarge { .. } => "too_large",
            Self::UnsupportedType(_) => "unsupported_media_type",
            Self::InvalidInput(_) => "invalid_input",
            Self::NotFound => "not_found",
            Self::ObjectMissing => "object_missing",
            Self::SizeMismatch { .. } => "size_mismatch",
            Self::PartsMismatch(_) => "parts_mismatch",
            Self::NotPending(_) => "upload_not_pending",
            Self::AlreadyCompleted => "upload_completed",
            Self::Unexpected(_) => "internal",
        }
    }
}
crate::impl_response_error!(UploadError);

crate::impl_from_sqlx!(UploadError);

impl From<StoreError> for UploadError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unreachable(reason) => {
                tracing::warn!(%reason, "object store call failed");
                Self::StoreUnavailable
            }
            refused => Self::Unexpected(anyhow::Error::new(refused)),
        }
    }
}
