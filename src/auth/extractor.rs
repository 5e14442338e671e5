//! `AuthUser`: the caller's user id from `Authorization: Bearer <token>`.

use std::future::{ready, Ready};

use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::TokenKeys;
use crate::error::CommonError;
use crate::ids::UserId;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
}

impl FromRequest for AuthUser {
    type Error = CommonError;
    type Future = Ready<Result<AuthUser, CommonError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, CommonError> {
    let keys = req
        .app_data::<web::Data<TokenKeys>>()
        .ok_or_else(|| CommonError::Unexpected(anyhow::anyhow!("TokenKeys are not registered")))?;
    let token = bearer_token(req).ok_or(CommonError::Unauthenticated)?;
    let claims = keys.verify(token).ok_or(CommonError::InvalidToken)?;
    Ok(AuthUser { id: claims.sub })
}

/// The token of an `Authorization: Bearer <token>` header, if the request has one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    bearer_token_in(req.headers())
}

/// [`bearer_token`] of bare headers, for a WebSocket upgrade's `RequestHead`.
pub fn bearer_token_in(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?;
    Some(token.trim())
}
