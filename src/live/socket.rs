//! `GET /v1/live-shares/{id}/ws`: the sharer's socket sends tiles, a viewer's receives
//! them. Who is asking decides which: the owner is the sharer (or, with `?watch=true`, a
//! viewer of their own share, as the page is), a chosen friend a viewer, anyone else is
//! refused before the upgrade.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, Role};
use super::{sharer, viewer, LiveError};
use crate::realtime::routes::authenticate;
use crate::state::AppState;

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
/// and API.md, "Live region share").
#[utoipa::path(tag = "live", params(("id" = String, Path), SocketQuery), responses(
    (status = 101, description = "switching to the WebSocket"), (status = 401),
    (status = 404, description = "no such share, or neither its sharer nor a viewer"),
    (status = 410, description = "the share has ended")), security(("bearer" = [])))]
#[get("/v1/live-shares/{id}/ws")]
#[tracing::instrument(skip_all, fields(share = %path))]
async fn share_socket(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    path: web::Path<String>,
    query: web::Query<SocketQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let user_id = authenticate(&state, &req).map_err(LiveError::from)?;
    let (share, role) = store::share_for(&state.db, &path, &user_id)
        .await
        .map_err(LiveError::from)?
        .ok_or(LiveError::NotFound)?;
    if share.ended_at.is_some() {
        return Err(LiveError::Ended.into());
    }
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let relay = state.live.get(&share.id);
    let state = state.get_ref().clone();
    match role {
        Role::Sharer if !query.watch => {
            tracing::info!(user = %user_id, "live share: sharer connected");
            actix_web::rt::spawn(sharer::run(state, share.id, relay, session, stream));
        }
        _ => {
            tracing::info!(user = %user_id, "live share: viewer connected");
            actix_web::rt::spawn(viewer::run(state, share.id, relay, session, stream));
        }
    }
    Ok(response)
}
