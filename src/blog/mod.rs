//! The mobile blog (SPEC §1B): light HTML pages for small screens and slow networks —
//! home (hot and latest), a user's blog, a clip with its player, search, the friend list,
//! sign-in — and the signed links that open a blog from the IM client without a login.
//!
//! Pages are maud views from the `imshare-templates` crate, filled here. Every page shows
//! only what the media module's visibility rule lets its visitor see: the visitor is the
//! user of the browser session (started by a blog link or the sign-in form) or nobody.

mod api;
mod cards;
mod clip;
mod error;
mod link;
mod login;
pub(crate) mod page;
mod routes;
mod runtime;
pub(crate) mod session;
mod session_store;
mod store;

use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

pub use error::PageError;

/// Registers the pages, the blog-link endpoint and the fallback for unknown paths.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(web::Data::new(runtime::BlogRuntime::default()))
        .app_data(form_config())
        .service(routes::home)
        .service(routes::blog)
        .service(routes::search)
        .service(routes::friends)
        .service(clip::clip_page)
        .service(login::login_form)
        .service(login::login)
        .service(login::logout)
        .service(api::blog_link)
        .default_service(web::to(error::fallback));
}

/// Forms are small; one that does not parse gets a page saying so.
fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(8 * 1024)
        .error_handler(|err, _req| {
            let page = PageError::BadRequest(format!(
                "The form could not be read ({err}). Reload the page and try again."
            ));
            let response = actix_web::ResponseError::error_response(&page);
            actix_web::error::InternalError::from_response(err, response).into()
        })
}
