//! The pages that list blogs and clips: home, a user's blog, search, the friend list.

use maud::{html, Markup};

use crate::clips::{clip_list, ClipCard};
use crate::layout::{layout, Page};

/// The home page: most played and newest public clips.
pub struct HomeView {
    pub hot: Vec<ClipCard>,
    pub latest: Vec<ClipCard>,
    /// How many days "hot" looks back.
    pub hot_days: u32,
}

/// `/`.
pub fn home(page: &Page, view: &HomeView) -> Markup {
    let content = html! {
        h1 { "Clips people share" }
        h2 { "Hot" }
        p.meta { "Most played in the last " (view.hot_days) " days." }
        @if view.hot.is_empty() { p { "Nothing played lately." } } @else { (clip_list(&view.hot, true)) }
        h2 { "Latest" }
        @if view.latest.is_empty() { p { "No public clips yet." } } @else { (clip_list(&view.latest, true)) }
        (search_form(""))
    };
    layout(page, content)
}

/// One user's blog, a page of clips at a time.
pub struct BlogView {
    pub username: String,
    pub display_name: String,
    pub clips: Vec<ClipCard>,
    /// Whether the viewer is the blog's owner.
    pub own: bool,
    /// The next (older) page, if there is one.
    pub older_href: Option<String>,
    /// Whether this is a later page (offers a way back to the newest).
    pub paged: bool,
}

/// `/u/{username}`.
pub fn blog(page: &Page, view: &BlogView) -> Markup {
    let content = html! {
        h1 { (view.display_name) }
        p.meta { "@" (view.username) }
        @if view.clips.is_empty() {
            @if view.own {
                p { "You have not shared any clips yet. Clips you upload from the app appear here." }
            } @else {
                p { "No clips you can see here yet." }
            }
        } @else {
            (clip_list(&view.clips, false))
        }
        @if view.paged {
            a.more href={ "/u/" (view.username) } { "« Newest" } " "
        }
        @if let Some(href) = &view.older_href {
            a.more href=(href) { "Older clips »" }
        }
    };
    layout(page, content)
}

/// A blog in a list: its owner's names.
pub struct UserRef {
    pub username: String,
    pub display_name: String,
}

/// Search results: blogs by name or id, clips by title.
pub struct SearchView {
    pub query: String,
    pub users: Vec<UserRef>,
    pub clips: Vec<ClipCard>,
}

/// `/search?q=`.
pub fn search(page: &Page, view: &SearchView) -> Markup {
    let content = html! {
        h1 { "Search" }
        (search_form(&view.query))
        @if !view.query.is_empty() {
            h2 { "Blogs" }
            @if view.users.is_empty() { p { "No blog matches." } } @else { (user_list(&view.users)) }
            h2 { "Clips" }
            @if view.clips.is_empty() { p { "No clip title matches." } } @else { (clip_list(&view.clips, true)) }
        }
    };
    layout(page, content)
}

/// The signed-in viewer's friends.
pub struct FriendsView {
    pub friends: Vec<UserRef>,
}

/// `/friends`.
pub fn friends(page: &Page, view: &FriendsView) -> Markup {
    let content = html! {
        h1 { "Friends" }
        @if view.friends.is_empty() {
            p { "No friends yet. Add friends in the app, then their blogs are listed here." }
        } @else {
            (user_list(&view.friends))
        }
    };
    layout(page, content)
}

fn user_list(users: &[UserRef]) -> Markup {
    html! {
        ul.clips.users {
            @for u in users {
                li { a href={ "/u/" (u.username) } { b { (u.display_name) } } small { "@" (u.username) } }
            }
        }
    }
}

fn search_form(query: &str) -> Markup {
    html! {
        form.search method="get" action="/search" role="search" {
            input type="search" name="q" value=(query) maxlength="100" aria-label="Name, clip title or user id"
                placeholder="Name, clip title or user id";
            button { "Search" }
        }
    }
}
