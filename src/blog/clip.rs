//! `/m/{media_id}`: one clip with its player, or its progress while it is processed.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use imshare_templates::{self as views, ClipState, ClipView, Page, Player};

use super::cards::date;
use super::runtime::BlogRuntime;
use super::store;
use crate::accounts::find_user_by_id;
use crate::ids::MediaId;
use crate::media::{count_play, find_visible, MediaRow, MediaStatus};
use crate::state::AppState;
use crate::web::page::{self, Caching};
use crate::web::session::Visitor;
use crate::web::PageError;

/// How often a processing clip's page reloads to show progress.
const REFRESH_SECS: u32 = 5;

/// One clip: an HTML5 player (HLS where supported, MP4 for every phone), or its progress.
#[utoipa::path(tag = "blog", params(("media_id" = String, Path)), responses(
    (status = 200, description = "the clip page", content_type = "text/html"),
    (status = 404, description = "no such clip, or not shared with this visitor", content_type = "text/html")))]
#[get("/m/{media_id}")]
#[tracing::instrument(skip_all, fields(media = %path))]
async fn clip_page(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    visitor: Visitor,
    path: web::Path<MediaId>,
) -> Result<HttpResponse, PageError> {
    let media = find_visible(&state.db, &path, visitor.id())
        .await?
        .ok_or(PageError::NotFound)?;
    let files = store::clip_files(&state.db, &media.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let owner = find_user_by_id(&state.db, &media.owner_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let clip_state = match media.status {
        MediaStatus::Ready => ClipState::Ready(player(&state, &rt, &visitor, &media, files).await?),
        MediaStatus::Failed => ClipState::Failed {
            reason: (visitor.id() == Some(&media.owner_id))
                .then(|| media.failure.clone())
                .flatten(),
        },
        MediaStatus::Processing => ClipState::Processing {
            progress: media.progress.clamp(0, 100),
            poster_url: match &files.poster_key {
                Some(key) => Some(rt.presign(&state, key).await?),
                None => None,
            },
        },
    };
    let processing = matches!(clip_state, ClipState::Processing { .. });
    let view = ClipView {
        title: media.title,
        description: media.description,
        owner_username: owner.username,
        owner_display_name: owner.display_name,
        date: date(media.created_at),
        duration_ms: media.duration_ms,
        state: clip_state,
    };
    let mut page = Page::new(view.title.clone(), visitor.nav());
    if processing {
        page.refresh_secs = Some(REFRESH_SECS);
    }
    let caching = match (processing, visitor.is_signed_in()) {
        (true, _) => Caching::NoStore,
        (false, true) => Caching::Personal,
        (false, false) => Caching::Public,
    };
    let markup = views::clip(&page, &view);
    Ok(page::html(
        StatusCode::OK,
        markup.into_string(),
        caching,
        rt.csp(&state).await?,
    ))
}

/// The player's URLs for this visitor, counted as a play like `/v1/media/{id}/play`.
async fn player(
    state: &AppState,
    rt: &BlogRuntime,
    visitor: &Visitor,
    media: &MediaRow,
    files: store::ClipFiles,
) -> Result<Player, PageError> {
    let audio = media.kind == "audio";
    let ttl = state.settings.media.play_url_ttl_secs;
    // The playlists check this token, and the visitor's access again, on every fetch.
    let (token, _) = state.tokens.issue_play(visitor.id(), &media.id, ttl)?;
    let file_key = if audio {
        files.audio_key
    } else {
        files.mp4_key
    };
    let file_url = match file_key {
        Some(key) => Some(rt.presign(state, &key).await?),
        None => None,
    };
    let poster_url = match files.poster_key {
        Some(key) if !audio => Some(rt.presign(state, &key).await?),
        _ => None,
    };
    count_play(&state.db, &media.id, visitor.id()).await?;
    Ok(Player {
        hls_url: format!("/v1/media/{}/hls/master.m3u8?token={token}", media.id),
        file_url,
        poster_url,
        audio,
    })
}
