//! Browser sessions of the pages: an HttpOnly, SameSite=Lax cookie holding a random id
//! (only its hash is stored), started by a blog link or the sign-in form. The JSON API
//! never accepts it, so it cannot be used to act cross-site on the API.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use base64::Engine;
use futures::future::LocalBoxFuture;
use imshare_templates::Viewer;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::PageError;
use super::page;
use super::session_store as store;
use crate::ids::UserId;
use crate::state::AppState;
use crate::time_util::now_ms;

/// The session cookie's name.
pub const COOKIE: &str = "imshare_session";

/// A signed-in visitor.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub username: String,
    /// The anti-forgery token of this session's forms (sign-out, a group's send box).
    pub csrf: String,
    id_hash: String,
}

impl SignedIn {
    /// Whether a form this visitor posted came from one of their pages here: its origin
    /// is this service and it carries this session's anti-forgery token.
    pub fn sent_from_own_page(&self, state: &AppState, req: &HttpRequest, token: &str) -> bool {
        page::same_origin(state, req) && bool::from(self.csrf.as_bytes().ct_eq(token.as_bytes()))
    }
}

/// Who is looking at a page: signed in through the cookie, or anonymous.
#[derive(Debug)]
pub struct Visitor(pub Option<SignedIn>);

impl Visitor {
    /// The viewer the visibility rule takes: `None` for an anonymous visitor.
    pub fn id(&self) -> Option<&UserId> {
        self.0.as_ref().map(|s| &s.user_id)
    }

    /// The header's view of the visitor.
    pub fn nav(&self) -> Option<Viewer> {
        self.0.as_ref().map(|s| Viewer {
            username: s.username.clone(),
            csrf: s.csrf.clone(),
        })
    }

    /// Whether the visitor is signed in.
    pub fn is_signed_in(&self) -> bool {
        self.0.is_some()
    }
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Visitor, PageError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let raw = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            // No cookie, no query: anonymous pages stay one cache lookup away.
            let Some(raw) = raw else {
                return Ok(Visitor(None));
            };
            let state = state.ok_or_else(|| anyhow::anyhow!("AppState is not registered"))?;
            let id_hash = hash(&raw);
            // An unknown or expired cookie reads as anonymous; signing in again replaces it.
            let signed_in =
                store::session_user(&state.db, &id_hash)
                    .await?
                    .map(|(user_id, username)| SignedIn {
                        user_id,
                        username,
                        csrf: csrf_token(&raw),
                        id_hash,
                    });
            Ok(Visitor(signed_in))
        })
    }
}

/// Starts a session for `user_id` and returns the cookie that carries it.
pub async fn start(
    state: &AppState,
    req: &HttpRequest,
    user_id: &UserId,
) -> Result<Cookie<'static>, PageError> {
    let raw = random_token(32);
    let ttl_secs = state.settings.blog.session_ttl_secs;
    store::insert_session(
        &state.db,
        &hash(&raw),
        user_id,
        now_ms() + ttl_secs as i64 * 1000,
    )
    .await?;
    Ok(Cookie::build(COOKIE, raw)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(page::is_https(state, req))
        .max_age(CookieDuration::seconds(ttl_secs as i64))
        .finish())
}

/// Ends the visitor's session, if any, and returns the cookie that clears it.
pub async fn end(state: &AppState, visitor: &Visitor) -> Result<Cookie<'static>, PageError> {
    if let Some(signed_in) = &visitor.0 {
        store::delete_session(&state.db, &signed_in.id_hash).await?;
    }
    let mut gone = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    gone.make_removal();
    Ok(gone)
}

/// `n` random bytes, URL-safe base64.
pub fn random_token(n: usize) -> String {
    let mut raw = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// Derived from the secret session id, which pages never show and other sites cannot
/// read, so a form carrying it came from one of this visitor's pages.
fn csrf_token(raw: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"imshare csrf\0")
        .chain_update(raw.as_bytes())
        .finalize();
    hex::encode(&digest[..16])
}
