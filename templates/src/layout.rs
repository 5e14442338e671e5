//! The one layout every page shares: header navigation around the page's content.

use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The stylesheet, inlined in every page so a slow network needs one request per page;
/// the service allows exactly this text in its Content-Security-Policy by hash.
pub const STYLESHEET: &str = include_str!("style.css");

/// The signed-in visitor, as the header shows them.
pub struct Viewer {
    pub username: String,
    /// The token the sign-out form sends back.
    pub csrf: String,
}

/// What surrounds every page's content.
pub struct Page {
    pub title: String,
    pub viewer: Option<Viewer>,
    /// Reload after this many seconds (a clip still processing).
    pub refresh_secs: Option<u32>,
}

impl Page {
    /// A page with this title for `viewer`.
    pub fn new(title: impl Into<String>, viewer: Option<Viewer>) -> Page {
        Page {
            title: title.into(),
            viewer,
            refresh_secs: None,
        }
    }
}

/// The whole document: head, navigation and `content`.
pub fn layout(page: &Page, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                @if let Some(secs) = page.refresh_secs {
                    meta http-equiv="refresh" content=(secs);
                }
                title { (page.title) " · imshare" }
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                header { (navigation(page.viewer.as_ref())) }
                main { (content) }
                @if let Some(v) = &page.viewer {
                    // Below the content, so the header fits one line on a 360 px screen.
                    footer {
                        "Signed in as @" (v.username) " · "
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(v.csrf);
                            button { "Sign out" }
                        }
                    }
                }
            }
        }
    }
}

fn navigation(viewer: Option<&Viewer>) -> Markup {
    html! {
        nav {
            a.brand href="/" { "imshare" }
            a href="/search" { "Search" }
            @if let Some(v) = viewer {
                a href={ "/u/" (v.username) } { "My blog" }
                a href="/friends" { "Friends" }
            } @else {
                a href="/login" { "Sign in" }
            }
        }
    }
}
