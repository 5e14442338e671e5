//! HTTP routes for live shares: start one for chosen friends, read it, end it.

use std::collections::BTreeSet;

use actix_web::{delete, get, post, web, HttpResponse};
use imshare_live::protocol::Geometry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, Role, ShareRow};
use super::tile_set::within_tile_limit;
use super::{span, LiveError, Relays};
use crate::auth::AuthUser;
use crate::ids::{ShareId, UserId};
use crate::social::are_friends;
use crate::state::AppState;
use crate::time_util::{now_ms, rfc3339};

/// Most viewers a share may name.
pub const MAX_VIEWERS: usize = 100;
/// Tile side used when the request names none.
pub const DEFAULT_TILE_SIZE: u16 = 64;

/// Registers the live share routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_share)
        .service(get_share)
        .service(end_share);
}

/// A share to start: whom to show it to and the region's size.
#[derive(Deserialize, ToSchema)]
pub struct NewShare {
    /// Friends who may watch.
    viewers: Vec<UserId>,
    /// The region's size in pixels (1 to 8192 each); the sharer may change it later
    /// with a geometry frame, which resets the picture.
    width: u16,
    height: u16,
    /// Side of a tile in pixels, 16 to 512 (default 64).
    tile_size: Option<u16>,
}

/// A share as its sharer and viewers see it.
#[derive(Serialize, ToSchema)]
pub struct ShareView {
    share_id: ShareId,
    owner: UserId,
    viewers: Vec<UserId>,
    width: i64,
    height: i64,
    tile_size: i64,
    /// The WebSocket path of the tile protocol, and the viewer page.
    ws_path: String,
    page_path: String,
    /// The share's limits: bytes a second the sharer may send, and bytes per tile.
    max_bytes_per_sec: u64,
    max_tile_bytes: usize,
    /// Whether the sharer is connected, and how many viewers watch, on this node.
    sharing: bool,
    watching: usize,
    created_at: String,
    ended_at: Option<String>,
}

/// Start a live region share for friends; the caller is the sharer.
#[utoipa::path(tag = "live", request_body = NewShare,
    responses((status = 201, body = ShareView), (status = 403), (status = 422)),
    security(("bearer" = [])))]
#[post("/v1/live-shares")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn create_share(
    state: web::Data<AppState>,
    relays: web::Data<Relays>,
    user: AuthUser,
    body: web::Json<NewShare>,
) -> Result<HttpResponse, LiveError> {
    let NewShare {
        viewers,
        width,
        height,
        tile_size,
    } = body.into_inner();
    // The same checks a geometry frame gets on the share's socket.
    let geometry = Geometry::checked(width, height, tile_size.unwrap_or(DEFAULT_TILE_SIZE))
        .map_err(|e| LiveError::InvalidInput(e.to_string()))?;
    within_tile_limit(geometry, &state.settings.live)
        .map_err(|e| LiveError::InvalidInput(e.to_string()))?;
    let viewers: Vec<UserId> = viewers
        .into_iter()
        .filter(|v| *v != user.id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if viewers.is_empty() || viewers.len() > MAX_VIEWERS {
        return Err(LiveError::InvalidInput(format!(
            "name 1 to {MAX_VIEWERS} viewers (user ids of friends), not {}",
            viewers.len()
        )));
    }
    for viewer in &viewers {
        if !are_friends(&state.db, &user.id, viewer).await? {
            return Err(LiveError::NotFriend(viewer.clone()));
        }
    }
    let share = ShareRow {
        id: ShareId::generate(),
        owner_id: user.id.clone(),
        width: i64::from(geometry.width),
        height: i64::from(geometry.height),
        tile_size: i64::from(geometry.tile_size),
        created_at: now_ms(),
        ended_at: None,
    };
    store::create_share(&state.db, &share, &viewers).await?;
    Ok(HttpResponse::Created().json(view(&state, &relays, share, viewers)))
}

/// Read a live share (sharer and viewers only).
#[utoipa::path(tag = "live", params(("id" = String, Path)),
    responses((status = 200, body = ShareView), (status = 404)), security(("bearer" = [])))]
#[get("/v1/live-shares/{id}")]
async fn get_share(
    state: web::Data<AppState>,
    relays: web::Data<Relays>,
    user: AuthUser,
    path: web::Path<ShareId>,
) -> Result<HttpResponse, LiveError> {
    let (share, _) = store::share_for(&state.db, &path, &user.id)
        .await?
        .ok_or(LiveError::NotFound)?;
    let viewers = store::viewers(&state.db, &share.id).await?;
    Ok(HttpResponse::Ok().json(view(&state, &relays, share, viewers)))
}

/// End a live share (sharer only): every socket on it is closed, the picture dropped.
#[utoipa::path(tag = "live", params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 410)),
    security(("bearer" = [])))]
#[delete("/v1/live-shares/{id}")]
async fn end_share(
    state: web::Data<AppState>,
    relays: web::Data<Relays>,
    user: AuthUser,
    path: web::Path<ShareId>,
) -> Result<HttpResponse, LiveError> {
    let (share, role) = store::share_for(&state.db, &path, &user.id)
        .await?
        .ok_or(LiveError::NotFound)?;
    if role != Role::Sharer {
        return Err(LiveError::NotSharer);
    }
    if !store::end_share(&state.db, &share.id, &user.id).await? {
        return Err(LiveError::Ended);
    }
    relays.end(&share.id);
    span::spread_end(&state.delivery, &share.id);
    Ok(HttpResponse::NoContent().finish())
}

fn view(state: &AppState, relays: &Relays, share: ShareRow, viewers: Vec<UserId>) -> ShareView {
    let relay = relays.get_existing(&share.id);
    let limits = &state.settings.live;
    ShareView {
        ws_path: format!("/v1/live-shares/{}/ws", share.id),
        page_path: format!("/l/{}", share.id),
        sharing: relay.as_ref().is_some_and(|r| r.sharing()),
        watching: relay.as_ref().map_or(0, |r| r.watching()),
        share_id: share.id,
        owner: share.owner_id,
        viewers,
        width: share.width,
        height: share.height,
        tile_size: share.tile_size,
        max_bytes_per_sec: limits.max_bytes_per_sec,
        max_tile_bytes: limits.max_tile_bytes,
        created_at: rfc3339(share.created_at),
        ended_at: share.ended_at.map(rfc3339),
    }
}
