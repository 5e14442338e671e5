//! One clip: its player (HLS where supported, MP4 for every phone), or its progress.

use maud::{html, Markup};

use crate::clips::{duration, title_or_untitled};
use crate::layout::{layout, Page};

/// URLs the player opens directly; the media bytes come from the store.
pub struct Player {
    /// The HLS master playlist, for players that play HLS natively.
    pub hls_url: String,
    /// A progressive file (MP4, or M4A for audio) every phone plays.
    pub file_url: Option<String>,
    pub poster_url: Option<String>,
    pub audio: bool,
}

/// Where the clip is.
pub enum ClipState {
    Processing {
        progress: i32,
        poster_url: Option<String>,
    },
    Ready(Player),
    /// `reason` is shown to the owner only.
    Failed {
        reason: Option<String>,
    },
}

/// `/m/{media_id}`.
pub struct ClipView {
    pub title: String,
    pub description: String,
    pub owner_username: String,
    pub owner_display_name: String,
    pub date: String,
    pub duration_ms: Option<i64>,
    pub state: ClipState,
}

/// The clip page.
pub fn clip(page: &Page, view: &ClipView) -> Markup {
    let content = html! {
        h1 { (title_or_untitled(&view.title)) }
        p.meta {
            "by " a href={ "/u/" (view.owner_username) } { (view.owner_display_name) }
            " · " (view.date)
            @if let Some(ms) = view.duration_ms { " · " (duration(ms)) }
        }
        (state(&view.state))
        @if !view.description.is_empty() {
            p.desc { (view.description) }
        }
    };
    layout(page, content)
}

fn state(state: &ClipState) -> Markup {
    match state {
        ClipState::Ready(player) => media_element(player),
        ClipState::Processing {
            progress,
            poster_url,
        } => html! {
            @if let Some(src) = poster_url { img.player src=(src) alt=""; }
            p { "This clip is still being prepared; the page reloads until it is ready." }
            progress max="100" value=(progress) { (progress) " %" }
        },
        ClipState::Failed { reason } => html! {
            p.error { "This clip could not be processed, so it cannot be played." }
            @if let Some(reason) = reason { p.meta { (reason) } }
        },
    }
}

fn media_element(player: &Player) -> Markup {
    let sources = html! {
        // Listed first so players with native HLS stream it; the others skip to the file.
        source src=(player.hls_url) type="application/vnd.apple.mpegurl";
        @if let Some(file) = &player.file_url {
            source src=(file) type=(if player.audio { "audio/mp4" } else { "video/mp4" });
        }
        p { "Your browser cannot play this clip here." }
    };
    html! {
        @if player.audio {
            audio.player controls preload="metadata" { (sources) }
        } @else {
            video.player controls playsinline preload="metadata" poster=[player.poster_url.as_deref()] { (sources) }
        }
    }
}
