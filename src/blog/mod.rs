//! The mobile blog (SPEC §1B): light HTML pages for small screens and slow networks —
//! home (hot and latest), a user's blog, a clip with its player, search, the friend list —
//! and the signed links that open a blog from the IM client without a login.
//!
//! Pages are maud views from the `imshare-templates` crate, filled here and served in the
//! page shell of [`crate::web`]. Every page shows only what the media module's visibility
//! rule lets its visitor see: the visitor is the user of the browser session (started by
//! a blog link or the sign-in form) or nobody.

mod api;
mod cards;
mod clip;
mod link;
mod routes;
mod runtime;
mod store;

use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the pages and the blog-link endpoint.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(web::Data::new(runtime::BlogRuntime::default()))
        .service(routes::home)
        .service(routes::blog)
        .service(routes::search)
        .service(routes::friends)
        .service(clip::clip_page)
        .service(api::blog_link);
}
