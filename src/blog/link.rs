//! Signed blog links (SPEC §1B): `/u/{username}?link=<token>`, where the token is an
//! HS256 JWT naming the viewer, the blog's owner, a random link id and an expiry, signed
//! with a key only this service holds. The first visit trades it for a session cookie and
//! records its id, so a link signs in once and never after it expires.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use anyhow::Context;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::runtime::BlogRuntime;
use super::store;
use crate::accounts::{find_user_by_id, UserRow};
use crate::config::Settings;
use crate::ids::UserId;
use crate::net::client_ip::client_ip;
use crate::state::AppState;
use crate::time_util::now_ms;
use crate::web::page;
use crate::web::session::{self, Visitor};
use crate::web::PageError;

const ISSUER: &str = "imshare";
/// Neither access nor playback tokens carry this audience, so none passes for another.
const AUDIENCE: &str = "imshare-blog";

#[derive(Serialize, Deserialize)]
struct LinkClaims {
    /// The viewer the link signs in.
    sub: UserId,
    /// The owner of the blog it opens.
    blog: UserId,
    /// The link's id, recorded when it is used.
    jti: String,
    aud: String,
    iss: String,
    exp: i64,
}

/// A verified, unexpired link.
#[derive(Debug)]
pub struct Link {
    pub viewer: UserId,
    pub owner: UserId,
    pub id: String,
    pub expires_at_ms: i64,
}

/// Why a link does not sign in: each is a page of its own, and counts against the client
/// like a failed password.
#[derive(Debug, Clone, Copy)]
pub enum Refused {
    /// Changed, cut short, forged, or for another blog.
    Invalid,
    Expired,
    Used,
}

impl From<Refused> for PageError {
    fn from(refused: Refused) -> Self {
        let (status, heading, message) = match refused {
            Refused::Invalid => (
                StatusCode::FORBIDDEN,
                "This link is not valid",
                "This link is not valid: it was changed or cut short on the way. Ask for a new link in the app, or sign in.",
            ),
            Refused::Expired => (
                StatusCode::GONE,
                "This link has expired",
                "This link has expired: blog links work for a few minutes. Open the blog from the app again for a new one, or sign in.",
            ),
            Refused::Used => (
                StatusCode::GONE,
                "This link was already used",
                "This link was already used: each blog link signs in once. Open the blog from the app again for a new one, or sign in.",
            ),
        };
        PageError::Refused {
            status,
            heading,
            message,
        }
    }
}

/// Signing and checking keys of blog links.
pub struct LinkKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl LinkKeys {
    /// Keys derived from the service secret (the one access tokens use), so every node of
    /// a cluster checks the links any other node signed.
    pub async fn load(settings: &Settings) -> anyhow::Result<LinkKeys> {
        let secret = service_secret(settings).await?;
        // A key of its own: a blog-link signature is no use anywhere else.
        let key = Sha256::new()
            .chain_update(b"imshare blog links\0")
            .chain_update(&secret)
            .finalize();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        // Issued and checked by the same cluster: no clock-skew allowance past the expiry.
        validation.leeway = 0;
        Ok(LinkKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        })
    }

    /// A link token for `viewer` to open `owner`'s blog, and its expiry (epoch ms).
    pub fn issue(
        &self,
        viewer: &UserId,
        owner: &UserId,
        ttl_secs: u64,
    ) -> anyhow::Result<(String, i64)> {
        let exp = now_ms() / 1000 + ttl_secs as i64;
        let claims = LinkClaims {
            sub: viewer.clone(),
            blog: owner.clone(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            aud: AUDIENCE.to_owned(),
            iss: ISSUER.to_owned(),
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing a blog link")?;
        Ok((token, exp * 1000))
    }

    /// The link a token stands for; an expired one and a forged or damaged one are told apart.
    pub fn verify(&self, token: &str) -> Result<Link, Refused> {
        match jsonwebtoken::decode::<LinkClaims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(Link {
                viewer: data.claims.sub,
                owner: data.claims.blog,
                id: data.claims.jti,
                expires_at_ms: data.claims.exp * 1000,
            }),
            Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(Refused::Expired),
            Err(_) => Err(Refused::Invalid),
        }
    }
}

/// Trades a link to `owner`'s blog for a session cookie and a 303 to the blog's clean URL,
/// so the token leaves the address bar and browser history at once.
pub async fn follow(
    state: &AppState,
    rt: &BlogRuntime,
    req: &HttpRequest,
    visitor: &Visitor,
    owner: &UserRow,
    token: &str,
) -> Result<HttpResponse, PageError> {
    let client = client_ip(req, &state.settings.server.trusted_proxies);
    let attempt = state
        .sign_in
        .admit(None, client)
        .map_err(PageError::TooManyAttempts)?;
    let viewer = match exchange(state, rt, visitor, owner, token).await? {
        Exchange::Reopened => {
            return Ok(page::see_other(&format!("/u/{}", owner.username)).finish())
        }
        Exchange::SignIn(viewer) => viewer,
        Exchange::Refused(refused) => {
            // Failed links count against the client like failed passwords, so nobody can
            // try tokens at speed.
            attempt.failed();
            return Err(refused.into());
        }
    };
    // Whoever was signed in in this browser before, the link's viewer is now.
    session::end(state, visitor).await?;
    let cookie = session::start(state, req, &viewer).await?;
    Ok(page::see_other(&format!("/u/{}", owner.username))
        .cookie(cookie)
        .finish())
}

/// What a link does.
enum Exchange {
    /// Opened again in the browser it signed in (a reload, the back button): no harm.
    Reopened,
    /// Signs in this viewer.
    SignIn(UserId),
    /// Nothing: the link is no good.
    Refused(Refused),
}

/// Checks the link and records its use.
async fn exchange(
    state: &AppState,
    rt: &BlogRuntime,
    visitor: &Visitor,
    owner: &UserRow,
    token: &str,
) -> Result<Exchange, PageError> {
    let link = match rt.links(state).await?.verify(token) {
        Ok(link) => link,
        Err(refused) => return Ok(Exchange::Refused(refused)),
    };
    if link.owner != owner.id {
        return Ok(Exchange::Refused(Refused::Invalid));
    }
    if !store::use_link(&state.db, &link.id, link.expires_at_ms).await? {
        if visitor.id() == Some(&link.viewer) {
            return Ok(Exchange::Reopened);
        }
        return Ok(Exchange::Refused(Refused::Used));
    }
    if find_user_by_id(&state.db, &link.viewer).await?.is_none() {
        return Ok(Exchange::Refused(Refused::Invalid));
    }
    Ok(Exchange::SignIn(link.viewer))
}

/// The configured secret, or the one generated into the data dir at start-up (by
/// `TokenKeys::load`, which runs before any request).
async fn service_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    let configured = settings.auth.jwt_secret.expose_secret();
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("jwt-secret");
    tokio::fs::read(&path).await.with_context(|| {
        format!(
            "reading {} to sign blog links; is the data dir readable?",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn keys(secret: &str) -> LinkKeys {
        let mut settings = Settings::load(None).expect("defaults load");
        settings.auth.jwt_secret = secret.to_owned().into();
        LinkKeys::load(&settings).await.expect("keys")
    }

    #[tokio::test]
    async fn a_link_checks_out_only_untouched_and_with_its_own_key() {
        let keys = keys("a-secret-of-at-least-thirty-two-bytes-0123").await;
        let (viewer, owner) = (UserId::from("viewer"), UserId::from("owner"));
        let (token, _) = keys.issue(&viewer, &owner, 60).expect("issue");
        let link = keys.verify(&token).expect("valid");
        assert_eq!(
            (link.viewer.as_str(), link.owner.as_str()),
            ("viewer", "owner")
        );

        let mut tampered = token.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(matches!(keys.verify(&tampered), Err(Refused::Invalid)));

        let other = keys_for_other_secret().await;
        assert!(matches!(other.verify(&token), Err(Refused::Invalid)));
    }

    async fn keys_for_other_secret() -> LinkKeys {
        keys("another-secret-of-at-least-thirty-two-bytes").await
    }

    #[tokio::test]
    async fn an_expired_link_says_so() {
        let keys = keys("a-secret-of-at-least-thirty-two-bytes-0123").await;
        let claims = LinkClaims {
            sub: "v".into(),
            blog: "o".into(),
            jti: "j".into(),
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            exp: now_ms() / 1000 - 1,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
            .expect("sign");
        assert!(matches!(keys.verify(&token), Err(Refused::Expired)));
    }
}
