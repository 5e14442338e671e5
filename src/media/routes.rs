//! HTTP routes for media records.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, MediaRow};
use super::{MediaError, MediaStatus, Visibility};
use crate::auth::AuthUser;
use crate::ids::{MediaId, UserId};
use crate::state::AppState;
use crate::storage::keys;
use crate::time_util::rfc3339;

/// Registers the media routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_media)
        .service(list_user_media)
        .service(update_media)
        .service(delete_media)
        .service(retry_media);
}

/// A clip as clients see it.
#[derive(Serialize, ToSchema)]
pub struct Media {
    id: MediaId,
    /// The owner's user id.
    owner: UserId,
    owner_username: String,
    title: String,
    description: String,
    visibility: Visibility,
    /// `video` or `audio`.
    kind: String,
    /// `processing`, `ready` or `failed`.
    status: MediaStatus,
    /// 0–100 while processing.
    progress: i32,
    duration_ms: Option<i64>,
    width: Option<i32>,
    height: Option<i32>,
    size_bytes: i64,
    created_at: String,
    /// Why the transcode failed; shown to the owner only, since it can describe the file.
    failure: Option<String>,
}

impl Media {
    /// The clip as `viewer` sees it: everyone gets the status, only the owner the reason.
    fn for_viewer(m: MediaRow, viewer: &UserId) -> Media {
        let failure = m.failure.filter(|_| m.owner_id == *viewer);
        Media {
            id: m.id,
            owner: m.owner_id,
            owner_username: m.owner_username,
            title: m.title,
            description: m.description,
            visibility: Visibility::from_stored(&m.visibility),
            kind: m.kind,
            status: m.status,
            progress: m.progress,
            duration_ms: m.duration_ms,
            width: m.width,
            height: m.height,
            size_bytes: m.size_bytes,
            created_at: rfc3339(m.created_at),
            failure,
        }
    }
}

/// One clip, if the caller may see it.
#[utoipa::path(tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = Media), (status = 404)), security(("bearer" = [])))]
#[get("/v1/media/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id, media = %path))]
async fn get_media(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MediaId>,
) -> Result<HttpResponse, MediaError> {
    let media = store::find_visible(&state.db, &path, Some(&user.id))
        .await?
        .ok_or(MediaError::NotFound)?;
    Ok(HttpResponse::Ok().json(Media::for_viewer(media, &user.id)))
}

/// Paging through a user's clips.
#[derive(Deserialize, IntoParams)]
pub struct MediaPage {
    /// Only clips older than this media id.
    before: Option<MediaId>,
    /// At most this many (1–100, default 20).
    limit: Option<i64>,
}

/// A user's clips the caller may see, newest first.
#[utoipa::path(tag = "media", params(("id" = String, Path), MediaPage),
    responses((status = 200, body = [Media])), security(("bearer" = [])))]
#[get("/v1/users/{id}/media")]
#[tracing::instrument(skip_all, fields(user = %user.id, owner = %path))]
async fn list_user_media(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UserId>,
    page: web::Query<MediaPage>,
) -> Result<HttpResponse, MediaError> {
    let limit = page.limit.unwrap_or(20).clamp(1, 100);
    let rows = store::list_visible(&state.db, &path, &user.id, page.before.as_ref(), limit).await?;
    let list: Vec<Media> = rows
        .into_iter()
        .map(|row| Media::for_viewer(row, &user.id))
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Changes to a clip's description.
#[derive(Deserialize, ToSchema)]
pub struct MediaUpdate {
    title: Option<String>,
    description: Option<String>,
    visibility: Option<Visibility>,
}

/// Change a clip's title, description or visibility (owner only).
#[utoipa::path(tag = "media", params(("id" = String, Path)), request_body = MediaUpdate,
    responses((status = 200, body = Media), (status = 403), (status = 404)), security(("bearer" = [])))]
#[patch("/v1/media/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id, media = %path))]
async fn update_media(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MediaId>,
    body: web::Json<MediaUpdate>,
) -> Result<HttpResponse, MediaError> {
    let media = owned_media(&state, &user, &path).await?;
    let body = body.into_inner();
    let clean = |raw: Option<String>, current: &str, max, field| match raw {
        None => Ok(current.to_owned()),
        some => super::clean_text(some, max, field).map_err(MediaError::InvalidInput),
    };
    let title = clean(body.title, &media.title, 200, "title")?;
    let description = clean(body.description, &media.description, 5000, "description")?;
    let visibility = body
        .visibility
        .unwrap_or(Visibility::from_stored(&media.visibility));
    store::update(
        &state.db,
        &media.id,
        &title,
        &description,
        visibility.as_str(),
    )
    .await?;
    let updated = store::find_visible(&state.db, &media.id, Some(&user.id))
        .await?
        .ok_or(MediaError::NotFound)?;
    Ok(HttpResponse::Ok().json(Media::for_viewer(updated, &user.id)))
}

/// Delete a clip and its renditions from the store (owner only).
#[utoipa::path(tag = "media", params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404)), security(("bearer" = [])))]
#[delete("/v1/media/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id, media = %path))]
async fn delete_media(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MediaId>,
) -> Result<HttpResponse, MediaError> {
    let media = owned_media(&state, &user, &path).await?;
    if store::delete(&state.db, &media).await? {
        let removed = async {
            state.store.delete(&media.object_key).await?;
            state
                .store
                .delete_prefix(&keys::media_prefix(&media.id))
                .await
        };
        if let Err(e) = removed.await {
            tracing::warn!(media = %media.id, error = %e, "media deleted but its objects could not all be removed");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The media if the caller may see it, and only if the caller owns it.
async fn owned_media(
    state: &AppState,
    user: &AuthUser,
    id: &MediaId,
) -> Result<MediaRow, MediaError> {
    let media = store::find_visible(&state.db, id, Some(&user.id))
        .await?
        .ok_or(MediaError::NotFound)?;
    if media.owner_id != user.id {
        return Err(MediaError::NotOwner);
    }
    Ok(media)
}

/// Process a failed clip again from its stored original (owner only): it goes back to
/// `processing` with a fresh set of attempts.
#[utoipa::path(tag = "media", params(("id" = String, Path)),
    responses(
        (status = 202, body = Media, description = "Queued again; `status` is `processing`"),
        (status = 404, description = "No such clip, or not the caller's (`not_found`)"),
        (status = 409, description = "The clip is not failed (`media_not_failed`)"),
        (status = 410, description = "The original was removed, e.g. a rejected file (`original_gone`)"),
        (status = 503, description = "The object store is down (`store_unavailable`)")),
    security(("bearer" = [])))]
#[post("/v1/media/{id}/retry")]
#[tracing::instrument(skip_all, fields(user = %user.id, media = %path))]
async fn retry_media(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MediaId>,
) -> Result<HttpResponse, MediaError> {
    // Others get 404 here, not 403: a clip's failure is its owner's business alone.
    let media = store::find_visible(&state.db, &path, Some(&user.id))
        .await?
        .filter(|m| m.owner_id == user.id)
        .ok_or(MediaError::NotFound)?;
    if media.status != MediaStatus::Failed {
        return Err(MediaError::NotFailed(media.status.to_string()));
    }
    if state.store.head(&media.object_key).await?.is_none() {
        return Err(MediaError::OriginalGone);
    }
    if !store::requeue_failed(&state.db, &media.id).await? {
        return Err(MediaError::NotFailed("no longer failed".into()));
    }
    tracing::info!("failed clip queued for another transcode");
    let requeued = store::find_visible(&state.db, &media.id, Some(&user.id))
        .await?
        .ok_or(MediaError::NotFound)?;
    Ok(HttpResponse::Accepted().json(Media::for_viewer(requeued, &user.id)))
}
