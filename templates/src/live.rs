//! The live share viewer page `/l/{share_id}` (SPEC §5): a canvas its script paints tiles
//! on as they arrive, the whole picture first, then only what changed.

use maud::{html, Markup};

use crate::layout::{layout, Page};

/// The viewer page's script, served at [`LIVE_SCRIPT_PATH`] and allowed there by the
/// page's Content-Security-Policy, so no inline script ever runs.
pub const LIVE_SCRIPT: &str = include_str!("live.js");
/// Where the service serves [`LIVE_SCRIPT`].
pub const LIVE_SCRIPT_PATH: &str = "/assets/live.js";

/// `/l/{share_id}`.
pub struct LiveView {
    pub share_id: String,
    /// Who shares (a display name).
    pub sharer: String,
    /// The geometry the share was created with; the first geometry frame replaces it.
    pub width: i64,
    pub height: i64,
    /// The short-lived ticket the script opens the share's socket with.
    pub ws_ticket: String,
}

/// The viewer page.
pub fn live_share(page: &Page, view: &LiveView) -> Markup {
    let content = html! {
        h1 { "Live share from " (view.sharer) }
        p.meta #live-status { "Watching needs JavaScript." }
        div #live data-share=(view.share_id) data-ticket=(view.ws_ticket) data-painted="0" {
            canvas.live-canvas #live-canvas width=(view.width) height=(view.height) {
                "Your browser cannot show the live picture."
            }
        }
        script src=(LIVE_SCRIPT_PATH) defer {}
    };
    layout(page, content)
}
