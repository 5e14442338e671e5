//! The group page `/g/{group_id}` (SPEC §2) for signed-in browsers, its script, and the
//! form that sends without JavaScript. Members only: anyone else gets the same 404 as for
//! a group that does not exist.
//!
//! The script opens `/v1/ws`, where a browser cannot send an `Authorization` header, so
//! the page carries a WebSocket ticket: signed for the session's user, good for
//! [`WS_TICKET_SECS`] and for WebSockets only (its audience is refused everywhere else). The
//! page is private and never cached, its CSP runs no script but ours, and the ticket
//! travels only to this origin, so it is no easier to steal than the session cookie.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use imshare_templates::{self as views, GroupView, MemberLine, MessageLine, Page};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::send;
use super::store::{self, Appended};
use crate::ids::GroupId;
use crate::state::AppState;
use crate::time_util::rfc3339;
use crate::web::page::{self, Caching};
use crate::web::session::{self, Visitor};
use crate::web::PageError;

/// Messages the page shows; older ones are a `group.sync` or API call away.
const HISTORY: usize = 50;
/// Lifetime of the page's WebSocket ticket: long enough to connect and reconnect after a
/// short outage; after that the script reloads the page for a new one.
const WS_TICKET_SECS: u64 = 300;

/// Registers the page, its form and its script.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(group_page).service(send_form).service(script);
}

/// A group's page: members with presence (friends' only), the last 50 messages, a box
/// to send, live updates with JavaScript.
#[utoipa::path(tag = "groups", params(("group_id" = String, Path)), responses(
    (status = 200, description = "the group page", content_type = "text/html"),
    (status = 303, description = "not signed in: on to the sign-in page"),
    (status = 404, description = "no such group, or not a member", content_type = "text/html")))]
#[get("/g/{group_id}")]
#[tracing::instrument(skip_all, fields(group = %path))]
async fn group_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<GroupId>,
) -> Result<HttpResponse, PageError> {
    let group_id = valid_group_id(&path)?;
    let Some(me) = &visitor.0 else {
        return Ok(to_login(group_id));
    };
    let group = store::group_of_member(&state.db, group_id, &me.user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let mut members = Vec::new();
    for m in store::members_for(&state.db, &group.id, &me.user_id).await? {
        let is_viewer = m.id == me.user_id;
        let presence = if m.is_friend && !is_viewer {
            Some(state.delivery.shown(&m.id).await.as_str().to_owned())
        } else {
            None
        };
        members.push(MemberLine {
            user_id: m.id.into_string(),
            username: m.username,
            display_name: m.display_name,
            presence,
            is_viewer,
        });
    }
    let mut rows = store::latest_messages(&state.db, &group.id, HISTORY as i64 + 1).await?;
    let truncated = rows.len() > HISTORY;
    if truncated {
        rows.remove(0);
    }
    let messages = rows
        .into_iter()
        .map(|r| MessageLine {
            seq: r.seq,
            from: members
                .iter()
                .find(|m| m.user_id == r.sender_id.as_str())
                .map_or_else(|| "a former member".to_owned(), |m| m.display_name.clone()),
            body: r.body,
            sent_at: rfc3339(r.sent_at),
        })
        .collect();
    let view = GroupView {
        ws_ticket: state.tokens.issue_ws(&me.user_id, WS_TICKET_SECS)?,
        group_id: group.id.into_string(),
        csrf: me.csrf.clone(),
        client_msg_id: session::random_token(16),
        max_body_bytes: state.settings.realtime.max_body_bytes,
        name: group.name,
        members,
        messages,
        truncated,
    };
    let markup = views::group(&Page::new(view.name.clone(), visitor.nav()), &view);
    Ok(page::html(
        StatusCode::OK,
        markup.into_string(),
        Caching::Personal,
        &csp(&state, &req),
    ))
}

/// What the send box posts.
#[derive(Deserialize, ToSchema)]
pub struct SendForm {
    csrf: String,
    /// Fixed per page rendering, so a form sent twice stores one message.
    client_msg_id: String,
    body: String,
}

/// Send a message without JavaScript: stored and fanned out as a `group.send` frame is,
/// then back to the page.
#[utoipa::path(tag = "groups", params(("group_id" = String, Path)),
    request_body(content = SendForm, content_type = "application/x-www-form-urlencoded"),
    responses(
    (status = 303, description = "stored (or not signed in: on to the sign-in page)"),
    (status = 400, description = "an empty or too long message", content_type = "text/html"),
    (status = 403, description = "a forged form", content_type = "text/html"),
    (status = 404, description = "no such group, or not a member", content_type = "text/html")))]
#[post("/g/{group_id}/messages")]
#[tracing::instrument(skip_all, fields(group = %path))]
async fn send_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<GroupId>,
    form: web::Form<SendForm>,
) -> Result<HttpResponse, PageError> {
    let group_id = valid_group_id(&path)?;
    let Some(me) = &visitor.0 else {
        return Ok(to_login(group_id));
    };
    if !me.sent_from_own_page(&state, &req, &form.csrf) {
        return Err(PageError::Forbidden(
            "This message form was not sent from one of your pages here. Reload the group page and send again.",
        ));
    }
    if form.body.trim().is_empty() {
        return Err(PageError::BadRequest(
            "The message was empty. Go back, type something and send again.".to_owned(),
        ));
    }
    let stored = send::store_message(
        &state,
        group_id,
        &me.user_id,
        &form.client_msg_id,
        &form.body,
    );
    let seq = match stored.await {
        Ok(Appended::Stored(row)) => {
            send::fan_out(&state, group_id, &row, None).await;
            row.seq
        }
        Ok(Appended::Duplicate(row)) => row.seq,
        Ok(Appended::NotMember) | Err(send::Refused::NotMember) => return Err(PageError::NotFound),
        Err(send::Refused::TooLarge { len, max }) => {
            return Err(PageError::BadRequest(format!(
            "The message is {len} bytes; the limit is {max}. Go back, shorten it and send again."
        )))
        }
        Err(send::Refused::BadClientMsgId) => {
            return Err(PageError::BadRequest(
                "The form was damaged. Reload the group page and send again.".to_owned(),
            ))
        }
        Err(send::Refused::Store(e)) => {
            return Err(anyhow::Error::new(e)
                .context("storing a group message from the form")
                .into())
        }
    };
    Ok(page::see_other(&format!("/g/{group_id}#m{seq}")).finish())
}

/// The group page's script.
#[utoipa::path(tag = "groups", responses(
    (status = 200, description = "the script", content_type = "text/javascript")))]
#[get("/assets/group.js")]
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Short, so a new release reaches open tabs soon without a versioned URL.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(views::GROUP_SCRIPT)
}

/// Group ids are UUIDs; anything else names no group (and never reaches a redirect).
fn valid_group_id(raw: &GroupId) -> Result<&GroupId, PageError> {
    uuid::Uuid::parse_str(raw.as_str())
        .map(|_| raw)
        .map_err(|_| PageError::NotFound)
}

fn to_login(group_id: &GroupId) -> HttpResponse {
    page::see_other(&format!("/login?next=/g/{group_id}")).finish()
}

/// The base page policy plus exactly our script and our WebSocket: nothing inline runs,
/// and the page can connect nowhere else.
fn csp(state: &AppState, req: &HttpRequest) -> String {
    let origin = page::public_base(state, req);
    let ws_origin = origin.replacen("http", "ws", 1);
    format!(
        "{}; script-src {origin}{}; connect-src {ws_origin}/v1/ws",
        page::base_csp(),
        views::GROUP_SCRIPT_PATH
    )
}
