//! Why a WebSocket was refused before its upgrade for want of room.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;

use crate::error::{respond, ApiErrorKind};

/// Seconds a refused client is asked to wait (`Retry-After`): a place frees only when a
/// socket closes, so retrying at once would only be refused again.
const RETRY_AFTER_SECS: u32 = 10;

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
}

impl actix_web::ResponseError for SocketRefused {
    fn status_code(&self) -> StatusCode {
        self.status()
    }
    fn error_response(&self) -> HttpResponse {
        let mut response = respond(self);
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(RETRY_AFTER_SECS),
        );
        response
    }
}
