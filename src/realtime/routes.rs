//! `GET /v1/ws`: authenticates, loads the user's groups and hands the socket to a task.
//! The upgrade itself is answered by [`crate::websocket`], which calls [`check`] and
//! [`start`]; the route here documents the endpoint and answers plain HTTP requests.

use std::sync::Arc;

use actix_http::RequestHead;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::connection;
use super::hub::{Hub, Registration};
use crate::auth::bearer_token_in;
use crate::error::CommonError;
use crate::groups::store::group_ids_of;
use crate::state::AppState;
use crate::websocket::{upgrade_required, MessageStream, Session};

/// Registers the gateway route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(websocket);
}

/// Browsers cannot set headers on a WebSocket, so they pass the token in the query.
#[derive(Deserialize, IntoParams)]
pub struct WsQuery {
    /// The access token, or the WebSocket ticket of a group page, when no
    /// `Authorization` header is sent.
    access_token: Option<String>,
}

/// Open the real-time WebSocket (JSON frames as in API.md, "Real time"). A request
/// without `Upgrade: websocket` gets 426.
#[utoipa::path(tag = "realtime", params(WsQuery), responses(
    (status = 101, description = "switching to the WebSocket"), (status = 401),
    (status = 426, description = "not a WebSocket upgrade"),
    (status = 429, description = "too_many_sockets: the user holds `realtime.max_sockets_per_user` \
        WebSockets (gateway and live shares together), or too_many_sockets_from_address: that \
        many are open from the client's address (`realtime.max_sockets_per_ip`); with Retry-After"),
    (status = 503, description = "busy: the node has as many WebSockets open as it accepts; with Retry-After")),
    security(("bearer" = [])))]
#[get("/v1/ws")]
async fn websocket() -> HttpResponse {
    upgrade_required()
}

/// A gateway request that passed its checks, already registered with the hub: a client
/// that has read its 101 is online, and what is sent to it from then on waits in its
/// queue until the socket's tasks start. Dropped unstarted (the handshake failed), it
/// unregisters again.
pub struct Accepted {
    user_id: String,
    hub: Arc<Hub>,
    registration: Option<Registration>,
}

impl Drop for Accepted {
    fn drop(&mut self) {
        if let Some(registration) = self.registration.take() {
            self.hub.unregister(&self.user_id, registration.id);
        }
    }
}

/// Checks a `GET /v1/ws` upgrade of an authenticated user before it is answered.
pub async fn check(state: &AppState, user_id: String) -> Result<Accepted, CommonError> {
    let turn = state.hub.setup_turn().await;
    let groups = group_ids_of(&state.db, &user_id).await?;
    drop(turn);
    let registration = state.hub.register(&user_id, groups);
    Ok(Accepted {
        user_id,
        hub: state.hub.clone(),
        registration: Some(registration),
    })
}

/// Serves the upgraded socket in its own task.
pub fn start(state: AppState, mut accepted: Accepted, session: Session, stream: MessageStream) {
    let Some(registration) = accepted.registration.take() else {
        return;
    };
    let user_id = std::mem::take(&mut accepted.user_id);
    tracing::info!(user = %user_id, conn = registration.id, "WebSocket connected");
    actix_web::rt::spawn(connection::run(
        state,
        user_id,
        registration,
        session,
        stream,
    ));
}

/// The user a WebSocket request (gateway or live share) is from: an access token in the
/// `Authorization` header or, since browsers cannot set headers on a WebSocket, in
/// `?access_token=`.
pub(crate) fn authenticate(state: &AppState, head: &RequestHead) -> Result<String, CommonError> {
    let token = match bearer_token_in(&head.headers) {
        Some(t) => t.to_owned(),
        None => web::Query::<WsQuery>::from_query(head.uri.query().unwrap_or(""))
            .ok()
            .and_then(|q| q.into_inner().access_token)
            .ok_or(CommonError::Unauthenticated)?,
    };
    // An access token, or the WebSocket-only ticket a page (group, sync, live share) hands
    // its script.
    state
        .tokens
        .verify(&token)
        .map(|claims| claims.sub)
        .or_else(|| state.tokens.verify_ws(&token))
        .ok_or(CommonError::InvalidToken)
}
