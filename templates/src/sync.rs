//! The region sync page `/s/{room_id}` (SPEC §4): a picker showing the whole shared page,
//! and the view, an outer frame the size of the region holding the page's frame shifted
//! by -x/-y. Its script rebuilds the view on every `sync.region` state.

use maud::{html, Markup};

use crate::layout::{layout, Page};

/// The sync page's script, served at [`SYNC_SCRIPT_PATH`] and allowed there by the page's
/// Content-Security-Policy, so no inline script ever runs.
pub const SYNC_SCRIPT: &str = include_str!("sync.js");
/// Where the service serves [`SYNC_SCRIPT`].
pub const SYNC_SCRIPT_PATH: &str = "/assets/sync.js";
/// The inner frame's size: large, so the region can be anywhere on a long page.
pub const INNER_FRAME: (u32, u32) = (1500, 15000);

/// A room's region, in CSS pixels of the inner frame.
pub struct RegionBox {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

/// `/s/{room_id}`.
pub struct SyncView {
    pub room_id: String,
    pub url: String,
    pub region: Option<RegionBox>,
    pub version: i64,
    /// The short-lived ticket the script opens `/v1/ws` with.
    pub ws_ticket: String,
}

/// The sync page.
pub fn sync_room(page: &Page, view: &SyncView) -> Markup {
    let (w, h) = INNER_FRAME;
    let r = view.region.as_ref();
    let content = html! {
        h1 { "Region sync" }
        p.meta { "Sharing " a href=(view.url) target="_blank" rel="noopener noreferrer" { (view.url) } }
        p.meta #sync-status { "Live updates need JavaScript." }
        div #sync data-room=(view.room_id) data-ticket=(view.ws_ticket) data-url=(view.url)
            data-version=(view.version) data-inner-width=(w) data-inner-height=(h)
            data-x=[r.map(|r| r.x)] data-y=[r.map(|r| r.y)]
            data-width=[r.map(|r| r.width)] data-height=[r.map(|r| r.height)] {
            h2 { "The shared region" }
            div.sync-view #sync-view {}
            div.sync-tools {
                button #sync-pick type="button" { "Pick a region" }
                button #sync-confirm type="button" disabled { "Confirm region" }
            }
            div.sync-picker #sync-picker hidden {
                div.sync-overlay #sync-overlay { div.sync-box #sync-box hidden {} }
            }
        }
        p.meta {
            "Some sites refuse to be shown inside another page (they send X-Frame-Options or a "
            "Content-Security-Policy frame-ancestors rule); the region then stays blank. "
            "Open the link above in a new tab instead."
        }
        script src=(SYNC_SCRIPT_PATH) defer {}
    };
    layout(page, content)
}
