//! Who opens a WebSocket (the gateway, a live share): browsers cannot set headers on a
//! WebSocket, so besides `Authorization` the token may come in `?access_token=`.

use actix_http::RequestHead;
use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{bearer_token_in, TokenKeys};
use crate::error::CommonError;
use crate::ids::UserId;

/// The token of a WebSocket request, in its query.
#[derive(Deserialize, IntoParams)]
pub struct WsQuery {
    /// The access token, or the WebSocket ticket of a group page, when no
    /// `Authorization` header is sent.
    access_token: Option<String>,
}

/// The user a WebSocket request is from: an access token in the `Authorization` header
/// or in `?access_token=`.
pub fn socket_user(tokens: &TokenKeys, head: &RequestHead) -> Result<UserId, CommonError> {
    let token = match bearer_token_in(&head.headers) {
        Some(t) => t.to_owned(),
        None => web::Query::<WsQuery>::from_query(head.uri.query().unwrap_or(""))
            .ok()
            .and_then(|q| q.into_inner().access_token)
            .ok_or(CommonError::Unauthenticated)?,
    };
    // An access token, or the WebSocket-only ticket a page (group, sync, live share) hands
    // its script.
    tokens
        .verify(&token)
        .map(|claims| claims.sub)
        .or_else(|| tokens.verify_ws(&token))
        .ok_or(CommonError::InvalidToken)
}
