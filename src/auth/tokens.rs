//! Short-lived access tokens signed with HS256; the algorithm is pinned on decode so
//! `alg: none` or a switched algorithm is refused.

use std::path::Path;

use anyhow::Context;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::fs_util::write_private;
use crate::ids::{MediaId, UserId};
use crate::time_util::now_ms;

const ISSUER: &str = "imshare";

/// What an access token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: UserId,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// What a playback token says: this viewer may play this media until `exp`.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlayClaims {
    /// The viewer's user id, empty for an anonymous visitor of a public clip.
    pub sub: String,
    pub media: MediaId,
    pub aud: String,
    pub iss: String,
    pub exp: i64,
}

/// The audience of playback tokens; access tokens carry none, so neither passes for the other.
const PLAY_AUDIENCE: &str = "imshare-play";
/// The audience of WebSocket tickets: they open `/v1/ws` and nothing else.
const WS_AUDIENCE: &str = "imshare-ws";

/// Signing and verifying keys for access and playback tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    play_validation: Validation,
    ws_validation: Validation,
    access_ttl_secs: u64,
}

impl TokenKeys {
    /// Keys from the configured secret, or from `data_dir/jwt-secret` (made on first start).
    pub fn load(
        configured: &SecretString,
        data_dir: &Path,
        access_ttl_secs: u64,
    ) -> anyhow::Result<TokenKeys> {
        let secret = if configured.expose_secret().is_empty() {
            load_or_create_secret(&data_dir.join("jwt-secret"))?
        } else {
            configured.expose_secret().as_bytes().to_vec()
        };
        if secret.len() < 32 {
            anyhow::bail!("auth.jwt_secret must be at least 32 bytes long");
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        let mut play_validation = validation.clone();
        play_validation.set_audience(&[PLAY_AUDIENCE]);
        play_validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        let mut ws_validation = play_validation.clone();
        ws_validation.set_audience(&[WS_AUDIENCE]);
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            play_validation,
            ws_validation,
            access_ttl_secs,
        })
    }

    /// A new access token for `user_id`, and its lifetime in seconds.
    pub fn issue(&self, user_id: &UserId) -> anyhow::Result<(String, u64)> {
        let now = now_ms() / 1000;
        let claims = AccessClaims {
            sub: user_id.clone(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs as i64,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing an access token")?;
        Ok((token, self.access_ttl_secs))
    }

    /// The claims of a valid token; `None` for anything forged, expired or malformed.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

impl TokenKeys {
    /// A token that lets `viewer` (`None`: anonymous) fetch the playlists of `media_id` for
    /// `ttl_secs`; players cannot send headers, so it travels in the playlist URLs.
    pub fn issue_play(
        &self,
        viewer: Option<&UserId>,
        media_id: &MediaId,
        ttl_secs: u64,
    ) -> anyhow::Result<(String, i64)> {
        let exp = now_ms() / 1000 + ttl_secs as i64;
        let claims = PlayClaims {
            sub: viewer.map_or("", UserId::as_str).to_owned(),
            media: media_id.clone(),
            aud: PLAY_AUDIENCE.to_owned(),
            iss: ISSUER.to_owned(),
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing a playback token")?;
        Ok((token, exp))
    }

    /// The viewer (`None`: anonymous) of a valid playback token for exactly this media;
    /// `None` for any other token.
    pub fn verify_play(&self, token: &str, media_id: &MediaId) -> Option<Option<UserId>> {
        let data = jsonwebtoken::decode::<PlayClaims>(token, &self.decoding, &self.play_validation)
            .ok()?;
        let PlayClaims { sub, media, .. } = data.claims;
        let viewer = (!sub.is_empty()).then(|| UserId::from(sub));
        (media == *media_id).then_some(viewer)
    }
}

/// What a WebSocket ticket says: this user may open `/v1/ws` until `exp`.
#[derive(Debug, Serialize, Deserialize)]
struct WsClaims {
    sub: UserId,
    aud: String,
    iss: String,
    exp: i64,
}

impl TokenKeys {
    /// A ticket that lets the page of a signed-in browser open its WebSocket (`/v1/ws`, or
    /// a live share's `/v1/live-shares/{id}/ws`) as `user_id` for `ttl_secs`: browsers
    /// cannot send headers on a WebSocket, and a ticket that opens nothing but WebSockets
    /// is worth less to whoever might read it than an access token.
    pub fn issue_ws(&self, user_id: &UserId, ttl_secs: u64) -> anyhow::Result<String> {
        let claims = WsClaims {
            sub: user_id.clone(),
            aud: WS_AUDIENCE.to_owned(),
            iss: ISSUER.to_owned(),
            exp: now_ms() / 1000 + ttl_secs as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing a WebSocket ticket")
    }

    /// The user of a valid WebSocket ticket.
    pub fn verify_ws(&self, token: &str) -> Option<UserId> {
        jsonwebtoken::decode::<WsClaims>(token, &self.decoding, &self.ws_validation)
            .ok()
            .map(|data| data.claims.sub)
    }
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read(path) {
        return Ok(existing);
    }
    let mut secret = vec![0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(path, &secret)?;
    Ok(secret)
}
