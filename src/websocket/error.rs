//! Why a WebSocket was refused before its upgrade for want of room.

use actix_web::http::StatusCode;

use crate::error::ApiErrorKind;

/// Seconds a refused client is asked to wait (`Retry-After`): a place frees only when a
/// socket closes, so retrying at once would only be refused again.
const RETRY_AFTER_SECS: u64 = 10;

/// A WebSocket refused for the limits of [`super::SocketLimit`].
#[derive(Debug, thiserror::Error)]
pub enum SocketRefused {
    #[error("this node has as many WebSockets open as it accepts; try again in a few seconds")]
    NodeFull,
    #[error("you already have {max} WebSockets open; close one (another tab or device) before opening more")]
    TooManyForUser { max: usize },
    #[error("{max} WebSockets are already open from your address; close one before opening more")]
    TooManyFromAddress { max: usize },
}

impl ApiErrorKind for SocketRefused {
    fn status(&self) -> StatusCode {
        match self {
            Self::NodeFull => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyForUser { .. } | Self::TooManyFromAddress { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Self::NodeFull => "busy",
            Self::TooManyForUser { .. } => "too_many_sockets",
            Self::TooManyFromAddress { .. } => "too_many_sockets_from_address",
        }
    }
    fn retry_after_secs(&self) -> Option<u64> {
        Some(RETRY_AFTER_SECS)
    }
}

crate::impl_response_error!(SocketRefused);
