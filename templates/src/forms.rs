//! The sign-in form and the error page.

use maud::{html, Markup};

use crate::layout::{layout, Page};

/// The sign-in form.
pub struct LoginView {
    /// The anti-forgery token, also set as a cookie.
    pub csrf: String,
    /// Where to go after signing in (a local path).
    pub next: String,
    /// The name typed before, shown again after a failed attempt.
    pub username: String,
    pub error: Option<String>,
}

/// `/login`.
pub fn login(page: &Page, view: &LoginView) -> Markup {
    let content = html! {
        h1 { "Sign in" }
        p { "Opened a blog link from the app? Then you are signed in already. Otherwise use your imshare account." }
        @if let Some(error) = &view.error { p.error role="alert" { (error) } }
        form.stack method="post" action="/login" {
            input type="hidden" name="csrf" value=(view.csrf);
            input type="hidden" name="next" value=(view.next);
            label { "Username" input name="username" value=(view.username) autocomplete="username" required; }
            label { "Password" input type="password" name="password" autocomplete="current-password" required; }
            button { "Sign in" }
        }
    };
    layout(page, content)
}

/// An error page: what went wrong and what to do.
pub struct ErrorView {
    pub status: u16,
    pub heading: String,
    pub message: String,
}

/// A 4xx/5xx page in the same layout as the others.
pub fn error(page: &Page, view: &ErrorView) -> Markup {
    let content = html! {
        h1 { (view.heading) }
        p { (view.message) }
        p.meta { "Error " (view.status) ". " a href="/" { "Go to the home page" } }
    };
    layout(page, content)
}
