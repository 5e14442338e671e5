//! `GET /v1/ws`: authenticates, loads the user's groups and hands the socket to a task.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::connection;
use crate::error::CommonError;
use crate::groups::store::group_ids_of;
use crate::state::AppState;

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

/// Open the real-time WebSocket (JSON frames as in API.md, "Real time").
#[utoipa::path(tag = "realtime", params(WsQuery),
    responses((status = 101, description = "switching to the WebSocket"), (status = 401)), security(("bearer" = [])))]
#[get("/v1/ws")]
#[tracing::instrument(skip_all)]
async fn websocket(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let user_id = authenticate(&state, &req)?;
    let turn = state.hub.setup_turn().await;
    let groups = group_ids_of(&state.db, &user_id)
        .await
        .map_err(CommonError::from)?;
    drop(turn);
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let registration = state.hub.register(&user_id, groups);
    tracing::info!(user = %user_id, conn = registration.id, "WebSocket connected");
    actix_web::rt::spawn(connection::run(
        state.get_ref().clone(),
        user_id,
        registration,
        session,
        stream,
    ));
    Ok(response)
}

pub(crate) fn authenticate(state: &AppState, req: &HttpRequest) -> Result<String, CommonError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let token = match header {
        Some(t) => t,
        None => web::Query::<WsQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().access_token)
            .ok_or(CommonError::Unauthenticated)?,
    };
    // An access token, or the WebSocket-only ticket a page (group, sync, live share) hands
    // its script. Also used by the live share socket.
    state
        .tokens
        .verify(&token)
        .map(|claims| claims.sub)
        .or_else(|| state.tokens.verify_ws(&token))
        .ok_or(CommonError::InvalidToken)
}
