//! `GET /v1/media/{id}/play` and the HLS playlists it points at.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{playlist, store};
use crate::auth::AuthUser;
use crate::ids::MediaId;
use crate::media::{find_visible, MediaError, MediaStatus};
use crate::state::AppState;
use crate::time_util::rfc3339;
use crate::web::public_url::public_base;

/// Registers the playback routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(play)
        .service(master_playlist)
        .service(media_playlist);
}

/// URLs a player opens directly.
#[derive(Serialize, ToSchema)]
pub struct PlayUrls {
    media_id: MediaId,
    /// `processing` (the playlists grow as segments are produced) or `ready`.
    status: MediaStatus,
    hls_url: String,
    mp4_url: Option<String>,
    audio_url: Option<String>,
    poster_url: Option<String>,
    expires_at: String,
}

/// Playback URLs for a clip the caller may see.
#[utoipa::path(tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = PlayUrls), (status = 404), (status = 409, description = "media_failed")),
    security(("bearer" = [])))]
#[get("/v1/media/{id}/play")]
#[tracing::instrument(skip_all, fields(user = %user.id, media = %path))]
async fn play(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<MediaId>,
) -> Result<HttpResponse, MediaError> {
    let media = find_visible(&state.db, &path, Some(&user.id))
        .await?
        .ok_or(MediaError::NotFound)?;
    if media.status == MediaStatus::Failed {
        let reason = media.failure.filter(|_| media.owner_id == user.id);
        return Err(MediaError::Failed(reason));
    }
    let facts = store::playable(&state.db, &media.id)
        .await?
        .ok_or(MediaError::NotFound)?;
    let ttl_secs = state.settings.media.play_url_ttl_secs;
    let (token, exp) = state
        .tokens
        .issue_play(Some(&user.id), &media.id, ttl_secs)?;
    let base = public_base(&state, &req);
    let ttl = Duration::from_secs(ttl_secs);
    let presign = |key: Option<String>| {
        let store = state.store.clone();
        async move {
            match key {
                Some(k) => store.presign_get(&k, ttl).await.map(Some),
                None => Ok(None),
            }
        }
    };
    let urls = PlayUrls {
        media_id: media.id.clone(),
        status: facts.status,
        hls_url: format!("{base}/v1/media/{}/hls/master.m3u8?token={token}", media.id),
        mp4_url: presign(facts.mp4_key).await.map_err(anyhow::Error::new)?,
        audio_url: presign(facts.audio_key).await.map_err(anyhow::Error::new)?,
        poster_url: presign(facts.poster_key)
            .await
            .map_err(anyhow::Error::new)?,
        expires_at: rfc3339(exp * 1000),
    };
    crate::media::count_play(&state.db, &media.id, Some(&user.id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(urls))
}

/// The playback token from `/play`.
#[derive(Deserialize, IntoParams)]
pub struct PlayToken {
    token: String,
}

/// The HLS master playlist: one variant per rendition.
#[utoipa::path(tag = "media", params(("id" = String, Path), PlayToken),
    responses((status = 200, content_type = "application/vnd.apple.mpegurl"), (status = 404)))]
#[get("/v1/media/{id}/hls/master.m3u8")]
async fn master_playlist(
    state: web::Data<AppState>,
    path: web::Path<MediaId>,
    query: web::Query<PlayToken>,
) -> Result<HttpResponse, MediaError> {
    let media_id = authorize(&state, &path, &query.token).await?;
    let renditions = store::renditions(&state.db, &media_id).await?;
    Ok(m3u8(playlist::master(&renditions, &query.token)))
}

/// A rendition's media playlist, listing presigned segment URLs.
#[utoipa::path(tag = "media", params(("id" = String, Path), ("rendition" = String, Path), PlayToken),
    responses((status = 200, content_type = "application/vnd.apple.mpegurl"), (status = 404)))]
#[get("/v1/media/{id}/hls/{rendition}/index.m3u8")]
async fn media_playlist(
    state: web::Data<AppState>,
    path: web::Path<(MediaId, String)>,
    query: web::Query<PlayToken>,
) -> Result<HttpResponse, MediaError> {
    let (media_id, rendition) = path.into_inner();
    let media_id = authorize(&state, &media_id, &query.token).await?;
    let facts = store::playable(&state.db, &media_id)
        .await?
        .ok_or(MediaError::NotFound)?;
    let segments = store::segments(&state.db, &media_id, &rendition).await?;
    if segments.is_empty() && facts.hls_complete {
        return Err(MediaError::NotFound);
    }
    let ttl = Duration::from_secs(state.settings.media.play_url_ttl_secs);
    let mut listed = Vec::with_capacity(segments.len());
    for segment in segments {
        let url = state
            .store
            .presign_get(&segment.object_key, ttl)
            .await
            .map_err(anyhow::Error::new)?;
        listed.push((segment.duration_ms as f64 / 1000.0, url));
    }
    Ok(m3u8(playlist::media(&listed, facts.hls_complete)))
}

/// The media id if the token is valid for it and its viewer may still see it.
async fn authorize(
    state: &AppState,
    media_id: &MediaId,
    token: &str,
) -> Result<MediaId, MediaError> {
    let viewer = state
        .tokens
        .verify_play(token, media_id)
        .ok_or(MediaError::NotFound)?;
    let media = find_visible(&state.db, media_id, viewer.as_ref())
        .await?
        .ok_or(MediaError::NotFound)?;
    Ok(media.id)
}

fn m3u8(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.apple.mpegurl")
        // Playlists grow while transcoding and their URLs expire: never cache them.
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body)
}
