//! The viewer page `/l/{share_id}` for signed-in browsers (the cookie session of
//! [`crate::web`]), and its script. The sharer and viewers only: anyone else gets the same
//! 404 as for a missing share.
//!
//! The script opens the share's socket with `?watch=true` (so the owner watches rather
//! than takes over as sharer) and a WebSocket ticket in a data attribute, as the group and
//! sync pages do. The page is private and never cached; its CSP runs no script but ours,
//! connects nowhere but the share's socket, and loads images only as decoded blobs.

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use imshare_templates::{self as views, LiveView, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use super::store;
use crate::ids::ShareId;
use crate::state::AppState;
use crate::web::page::{self, Caching};
use crate::web::session::Visitor;
use crate::web::PageError;

/// Lifetime of the page's WebSocket ticket; after that the script reloads for a new one.
const WS_TICKET_SECS: u64 = 300;

/// Registers the page and its script.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live_page).service(script);
}

/// A live share's viewer page: the picture on a canvas, updated as tiles change.
#[utoipa::path(tag = "live", params(("share_id" = String, Path)), responses(
    (status = 200, description = "the viewer page", content_type = "text/html"),
    (status = 303, description = "not signed in: on to the sign-in page"),
    (status = 404, description = "no such share, or not one of its viewers", content_type = "text/html")))]
#[get("/l/{share_id}")]
#[tracing::instrument(skip_all, fields(share = %path))]
async fn live_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<ShareId>,
) -> Result<HttpResponse, PageError> {
    let share_id: &ShareId = &path;
    // Share ids are UUIDs; anything else names no share (and never reaches a redirect).
    uuid::Uuid::parse_str(share_id.as_str()).map_err(|_| PageError::NotFound)?;
    let Some(me) = &visitor.0 else {
        return Ok(page::see_other(&format!("/login?next=/l/{share_id}")).finish());
    };
    let (share, _) = store::share_for(&state.db, share_id, &me.user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let sharer = store::display_name(&state.db, &share.owner_id)
        .await?
        .unwrap_or_default();
    let view = LiveView {
        ws_ticket: state.tokens.issue_ws(&me.user_id, WS_TICKET_SECS)?,
        share_id: share.id.into_string(),
        sharer,
        width: share.width,
        height: share.height,
    };
    let markup = views::live_share(&Page::new("Live share", visitor.nav()), &view);
    Ok(page::html(
        StatusCode::OK,
        markup.into_string(),
        Caching::Personal,
        &csp(&state, &req, share_id),
    ))
}

/// The viewer page's script.
#[utoipa::path(tag = "live", responses(
    (status = 200, description = "the script", content_type = "text/javascript")))]
#[get("/assets/live.js")]
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(views::LIVE_SCRIPT)
}

/// The base page policy plus exactly our script and the share's socket.
fn csp(state: &AppState, req: &HttpRequest, share_id: &ShareId) -> String {
    let origin = page::public_base(state, req);
    let ws_origin = origin.replacen("http", "ws", 1);
    format!(
        "{}; script-src {origin}{}; connect-src {ws_origin}/v1/live-shares/{share_id}/ws",
        page::base_csp(),
        views::LIVE_SCRIPT_PATH
    )
}
