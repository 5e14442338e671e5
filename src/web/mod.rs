//! The page shell every HTML page stands on, whichever domain fills it: the headers and
//! caching of a page, browser sessions (the `Visitor` of a page) with their anti-forgery
//! tokens, page errors, and the fallback for paths nothing else answers.
//!
//! Page domains (accounts' sign-in forms, blog, groups, sync, live) import from here;
//! nothing here imports them.

mod error;
pub(crate) mod page;
pub mod public_url;
pub(crate) mod session;
mod session_store;

use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

pub use error::PageError;

/// Registers the form limits of every page and the fallback for unknown paths.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(form_config())
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
