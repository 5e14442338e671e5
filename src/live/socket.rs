//! `GET /v1/live-shares/{id}/ws`: the sharer's socket sends tiles, a viewer's receives
//! them. Who is asking decides which: the owner is the sharer (or, with `?watch=true`, a
//! viewer of their own share, as the page is), a chosen friend a viewer, anyone else is
//! refused before the upgrade. The upgrade itself is answered by [`crate::websocket`],
//! which calls the [`ShareSockets`] endpoint.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};
use futures::future::LocalBoxFuture;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::relay::Relay;
use super::store::{self, Role};
use super::{sharer, viewer, LiveError, Relays};
use crate::ids::{ShareId, UserId};
use crate::state::AppState;
use crate::websocket::{self, MessageStream, Session, SocketRequest};

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
async fn share_socket(_path: web::Path<ShareId>) -> HttpResponse {
    websocket::upgrade_required()
}

/// The live shares' WebSocket endpoint.
pub struct ShareSockets {
    state: AppState,
    relays: Arc<Relays>,
}

impl ShareSockets {
    /// The endpoint of the shares `relays` holds.
    pub fn new(state: AppState, relays: Arc<Relays>) -> ShareSockets {
        ShareSockets { state, relays }
    }

    /// Checks a share socket's upgrade by an authenticated user before it is answered.
    async fn accept(&self, request: SocketRequest<'_>) -> Result<Accepted, LiveError> {
        let share_id = ShareId::from(request.param("id").unwrap_or_default());
        let query = web::Query::<SocketQuery>::from_query(request.head.uri.query().unwrap_or(""))
            .map_err(|e| LiveError::InvalidInput(format!("bad query: {e}")))?;
        let (share, role) = store::share_for(&self.state.db, &share_id, &request.user_id)
            .await?
            .ok_or(LiveError::NotFound)?;
        if share.ended_at.is_some() {
            return Err(LiveError::Ended);
        }
        Ok(Accepted {
            state: self.state.clone(),
            relays: self.relays.clone(),
            share_id: share.id,
            user_id: request.user_id,
            sends: matches!(role, Role::Sharer) && !query.watch,
        })
    }
}

impl websocket::Endpoint for ShareSockets {
    fn route(&self) -> &'static str {
        "/v1/live-shares/{id}/ws"
    }

    fn check<'a>(
        &'a self,
        request: SocketRequest<'a>,
    ) -> LocalBoxFuture<'a, Result<Box<dyn websocket::Accepted>, actix_web::Error>> {
        Box::pin(async move {
            let accepted = self.accept(request).await?;
            Ok(Box::new(accepted) as Box<dyn websocket::Accepted>)
        })
    }
}

/// Who is on a share's socket, and the relay they attach to.
pub struct Peer {
    pub share_id: ShareId,
    pub user_id: UserId,
    pub relay: Arc<Relay>,
    /// Every relay of this node, for the share's to be dropped when its last peer leaves.
    pub relays: Arc<Relays>,
}

/// A share socket that passed its checks: the share and which end the user is.
struct Accepted {
    state: AppState,
    relays: Arc<Relays>,
    share_id: ShareId,
    user_id: UserId,
    sends: bool,
}

impl websocket::Accepted for Accepted {
    /// Serves the upgraded socket as the sharer's or a viewer's.
    fn start(self: Box<Self>, session: Session, stream: MessageStream) {
        let Accepted {
            state,
            relays,
            share_id,
            user_id,
            sends,
        } = *self;
        let peer = Peer {
            relay: relays.get(&share_id),
            relays,
            share_id,
            user_id,
        };
        if sends {
            tracing::info!(user = %peer.user_id, share = %peer.share_id, "live share: sharer connected");
            actix_web::rt::spawn(sharer::run(state, peer, session, stream));
        } else {
            tracing::info!(user = %peer.user_id, share = %peer.share_id, "live share: viewer connected");
            actix_web::rt::spawn(viewer::run(state, peer, session, stream));
        }
    }
}
