//! The WebSocket endpoints, and the checks each makes before its handshake is answered.

use actix_http::RequestHead;

use super::{MessageStream, Session};
use crate::state::AppState;
use crate::{live, realtime};

/// Which WebSocket endpoint a request asks for.
pub(super) enum Endpoint<'a> {
    /// `GET /v1/ws`: the real-time gateway.
    Gateway,
    /// `GET /v1/live-shares/{id}/ws`: a live share's sharer or viewer.
    LiveShare(&'a str),
}

/// The endpoint of `path`, if it names one.
pub(super) fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    if path == "/v1/ws" {
        return Some(Endpoint::Gateway);
    }
    live_share_id(path).map(Endpoint::LiveShare)
}

/// A WebSocket request that passed its endpoint's checks.
pub(super) enum Opened {
    Gateway(realtime::routes::Accepted),
    LiveShare(live::socket::Accepted),
}

impl Endpoint<'_> {
    /// Checks what the (authenticated) user may open here.
    pub(super) async fn check(
        &self,
        state: &AppState,
        user_id: String,
        head: &RequestHead,
    ) -> Result<Opened, actix_web::Error> {
        Ok(match self {
            Endpoint::Gateway => Opened::Gateway(realtime::routes::check(state, user_id).await?),
            Endpoint::LiveShare(share_id) => {
                Opened::LiveShare(live::socket::check(state, share_id, user_id, head).await?)
            }
        })
    }
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
