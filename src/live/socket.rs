//! `GET /v1/live-shares/{id}/ws`: the sharer's socket sends tiles, a viewer's receives
//! them. Who is asking decides which: the owner is the sharer (or, with `?watch=true`, a
//! viewer of their own share, as the page is), a chosen friend a viewer, anyone else is
//! refused before the upgrade. The upgrade itself is answered by [`crate::websocket`],
//! which calls [`check`] and [`start`].

use actix_http::RequestHead;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, Role};
use super::{sharer, viewer, LiveError};
use crate::state::AppState;
use crate::websocket::{self, MessageStream, Session};

/// Registers the share socket.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(share_socket);
}

/// Browsers cannot set headers on a WebSocket, so they pass the token in the query.
#[derive(Deserialize, IntoParams)]
pub struct SocketQuery {
    /// The access token, or the WebSocket ticket of a page, when no `Authorization`
    /// header is sent.
    #[allow(dead_code)]
    access_token: Option<String>,
    /// The owner watches their own share instead of sending tiles.
    #[serde(default)]
    watch: bool,
}

/// Open a live share's WebSocket of binary tile frames (protocol in `live/src/protocol.rs`
/// and API.md, "Live region share"). A request without `Upgrade: websocket` gets 426.
#[utoipa::path(tag = "live", params(("id" = String, Path), SocketQuery), responses(
    (status = 101, description = "switching to the WebSocket"), (status = 401),
    (status = 404, description = "no such share, or neither its sharer nor a viewer"),
    (status = 410, description = "the share has ended"),
    (status = 426, description = "not a WebSocket upgrade"),
    (status = 429, description = "too_many_sockets / too_many_sockets_from_address: the user or \
        the client's address holds as many WebSockets as allowed (see `GET /v1/ws`); with Retry-After"),
    (status = 503, description = "busy: the node has as many WebSockets open as it accepts; with Retry-After")),
    security(("bearer" = [])))]
#[get("/v1/live-shares/{id}/ws")]
async fn share_socket(_path: web::Path<String>) -> HttpResponse {
    websocket::upgrade_required()
}

/// A share socket that passed its checks: the share and which end the user is.
pub struct Accepted {
    share_id: String,
    user_id: String,
    sends: bool,
}

/// Checks a share socket's upgrade by an authenticated user before it is answered.
pub async fn check(
    state: &AppState,
    share_id: &str,
    user_id: String,
    head: &RequestHead,
) -> Result<Accepted, LiveError> {
    let query = web::Query::<SocketQuery>::from_query(head.uri.query().unwrap_or(""))
        .map_err(|e| LiveError::InvalidInput(format!("bad query: {e}")))?;
    let (share, role) = store::share_for(&state.db, share_id, &user_id)
        .await?
        .ok_or(LiveError::NotFound)?;
    if share.ended_at.is_some() {
        return Err(LiveError::Ended);
    }
    let sends = matches!(role, Role::Sharer) && !query.watch;
    Ok(Accepted {
        share_id: share.id,
        user_id,
        sends,
    })
}

/// Serves the upgraded socket as the sharer's or a viewer's.
pub fn start(state: AppState, accepted: Accepted, session: Session, stream: MessageStream) {
    let Accepted {
        share_id,
        user_id,
        sends,
    } = accepted;
    let relay = state.live.get(&share_id);
    if sends {
        tracing::info!(user = %user_id, share = %share_id, "live share: sharer connected");
        actix_web::rt::spawn(sharer::run(
            state, share_id, user_id, relay, session, stream,
        ));
    } else {
        tracing::info!(user = %user_id, share = %share_id, "live share: viewer connected");
        let viewer = viewer::Viewer {
            share_id,
            user_id,
            relay,
        };
        actix_web::rt::spawn(viewer::run(state, viewer, session, stream));
    }
}
