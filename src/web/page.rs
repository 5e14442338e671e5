//! Response headers every page carries: a Content-Security-Policy that allows only our
//! inline stylesheet and media from this service and the store, cache rules, and the
//! same-origin check of form posts.

use std::sync::LazyLock;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use sha2::{Digest, Sha256};

pub use super::public_url::{is_https, public_base};
use crate::state::AppState;

/// How long shared caches and browsers may keep a page that looks the same to everyone.
const PUBLIC_MAX_AGE_SECS: u32 = 60;

/// Who may keep a copy of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// The same for every anonymous visitor: any cache may keep it for a minute.
    Public,
    /// Shows the signed-in visitor's own view: only their browser, and not on disk.
    Personal,
    /// Changes by the second (progress, a form's token): nobody keeps it.
    NoStore,
}

/// The stylesheet's CSP source: its hash, so no other inline style or script runs.
static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(imshare_templates::STYLESHEET.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The policy of pages without media (errors, forms).
pub fn base_csp() -> String {
    csp("")
}

/// The policy of pages showing posters and players: media comes straight from the store
/// through presigned URLs, so its origin is allowed next to ours (HLS playlists).
pub fn csp(store_origin: &str) -> String {
    format!(
        "default-src 'none'; style-src {style}; img-src 'self' {store_origin}; media-src 'self' {store_origin}; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        style = STYLE_SOURCE.as_str()
    )
}

/// An HTML response with the security and cache headers of every page.
pub fn html(
    status: StatusCode,
    body: impl Into<bytes::Bytes>,
    caching: Caching,
    csp: &str,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Page addresses never travel to the store with poster and video requests.
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    match caching {
        Caching::Public => res
            .insert_header((
                header::CACHE_CONTROL,
                format!("public, max-age={PUBLIC_MAX_AGE_SECS}"),
            ))
            // A signed-in visitor gets another page at the same address.
            .insert_header((header::VARY, "Cookie")),
        Caching::Personal => res.insert_header((header::CACHE_CONTROL, "private, no-store")),
        Caching::NoStore => res.insert_header((header::CACHE_CONTROL, "no-store")),
    };
    res.body(body.into())
}

/// A 303 to a local path (after a link, a sign-in or a sign-out), never cached.
pub fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    res
}

/// Whether a form post comes from one of our own pages: its `Origin` (or, from browsers
/// that send none, its `Referer`) must be this service. Browsers that send neither are
/// left to the form's token.
pub fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let header_text = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    // The configured base, or the host the browser itself says it is visiting: a page
    // elsewhere cannot make the browser send its own origin with our Host, and nothing is
    // built from the Host here, it is only compared.
    let mut ours = vec![public_base(state, req)];
    if let Some(host) = header_text(header::HOST) {
        ours.extend([format!("http://{host}"), format!("https://{host}")]);
    }
    if let Some(origin) = header_text(header::ORIGIN) {
        return ours.iter().any(|o| origin == o);
    }
    match header_text(header::REFERER) {
        Some(referer) => ours.iter().any(|o| {
            referer
                .strip_prefix(o.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        }),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_store_for_media_and_nothing_for_scripts() {
        let policy = csp("http://store.example:9000");
        assert!(policy.contains("img-src 'self' http://store.example:9000;"));
        assert!(policy.contains("media-src 'self' http://store.example:9000;"));
        assert!(policy.starts_with("default-src 'none';"));
        assert!(!policy.contains("script-src"));
    }
}
