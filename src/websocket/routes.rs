//! The WebSocket endpoints, and the checks each makes before its handshake is answered.

use actix_http::RequestHead;

use super::{MessageStream, Session};
use crate::error::CommonError;
use crate::state::AppState;
use crate::{live, realtime};

/// A WebSocket request that passed its endpoint's checks.
pub(super) enum Opened {
    /// `GET /v1/ws`: the real-time gateway.
    Gateway(realtime::routes::Accepted),
    /// `GET /v1/live-shares/{id}/ws`: a live share's sharer or viewer.
    LiveShare(live::socket::Accepted),
}

/// Checks a WebSocket request: which endpoint, who is asking, what they may open.
pub(super) async fn check(
    state: &AppState,
    head: &RequestHead,
) -> Result<Opened, actix_web::Error> {
    let path = head.uri.path();
    if path == "/v1/ws" {
        let accepted = realtime::routes::check(state, head).await?;
        return Ok(Opened::Gateway(accepted));
    }
    if let Some(share_id) = live_share_id(path) {
        let accepted = live::socket::check(state, share_id, head).await?;
        return Ok(Opened::LiveShare(accepted));
    }
    Err(CommonError::NotFound("WebSocket endpoint").into())
}

impl Opened {
    /// Serves the upgraded socket.
    pub(super) fn start(self, state: AppState, session: Session, stream: MessageStream) {
        match self {
            Opened::Gateway(accepted) => realtime::routes::start(state, accepted, session, stream),
            Opened::LiveShare(accepted) => live::socket::start(state, accepted, session, stream),
        }
    }
}

/// `{id}` of `/v1/live-shares/{id}/ws`.
fn live_share_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix("/v1/live-shares/")?.strip_suffix("/ws")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}
