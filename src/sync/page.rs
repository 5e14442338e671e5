//! The sync page `/s/{room_id}` for signed-in browsers (the cookie session of
//! [`crate::web`]), and its script. Participants only: anyone else gets the same 404 as
//! for a missing room.
//!
//! The script opens `/v1/ws` with a WebSocket ticket in a data attribute (browsers cannot
//! send headers on a WebSocket): signed for the session's user, short-lived and good for
//! WebSockets only. The page is private and never cached, and its CSP runs no script but
//! ours and connects nowhere but our WebSocket. Frames may show any http(s) page, the only
//! kind a room can hold; the script sandboxes them (see `sync.js` for why same-origin
//! pages lose `allow-same-origin`).

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use imshare_templates::{self as views, Page, RegionBox, SyncView};
use utoipa_actix_web::service_config::ServiceConfig;

use super::store;
use crate::ids::RoomId;
use crate::state::AppState;
use crate::web::page::{self, Caching};
use crate::web::session::Visitor;
use crate::web::PageError;

/// Lifetime of the page's WebSocket ticket; after that the script reloads for a new one.
const WS_TICKET_SECS: u64 = 300;

/// Registers the page and its script.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sync_page).service(script);
}

/// A sync room's page: the live region, a region picker, live updates.
#[utoipa::path(tag = "sync", params(("room_id" = String, Path)), responses(
    (status = 200, description = "the sync page", content_type = "text/html"),
    (status = 303, description = "not signed in: on to the sign-in page"),
    (status = 404, description = "no such room, or not a participant", content_type = "text/html")))]
#[get("/s/{room_id}")]
#[tracing::instrument(skip_all, fields(room = %path))]
async fn sync_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, PageError> {
    let room_id: &RoomId = &path;
    // Room ids are UUIDs; anything else names no room (and never reaches a redirect).
    uuid::Uuid::parse_str(room_id.as_str()).map_err(|_| PageError::NotFound)?;
    let Some(me) = &visitor.0 else {
        return Ok(page::see_other(&format!("/login?next=/s/{room_id}")).finish());
    };
    let room = store::state_for(&state.db, room_id, &me.user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let view = SyncView {
        ws_ticket: state.tokens.issue_ws(&me.user_id, WS_TICKET_SECS)?,
        region: room.region().map(|r| RegionBox {
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
        }),
        room_id: room.id.into_string(),
        url: room.url,
        version: room.version,
    };
    let markup = views::sync_room(&Page::new("Region sync", visitor.nav()), &view);
    Ok(page::html(
        StatusCode::OK,
        markup.into_string(),
        Caching::Personal,
        &csp(&state, &req),
    ))
}

/// The sync page's script.
#[utoipa::path(tag = "sync", responses(
    (status = 200, description = "the script", content_type = "text/javascript")))]
#[get("/assets/sync.js")]
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(views::SYNC_SCRIPT)
}

/// The base page policy plus exactly our script, our WebSocket, and http(s) frames.
fn csp(state: &AppState, req: &HttpRequest) -> String {
    let origin = page::public_base(state, req);
    let ws_origin = origin.replacen("http", "ws", 1);
    format!(
        "{}; script-src {origin}{}; connect-src {ws_origin}/v1/ws; frame-src http: https:",
        page::base_csp(),
        views::SYNC_SCRIPT_PATH
    )
}
