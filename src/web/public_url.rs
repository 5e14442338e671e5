//! The address absolute URLs (blog links, `hls_url`, page policies) are built from:
//! `server.public_url`, else the host a trusted proxy says the client asked for, else the
//! address the service listens on. A request's own `Host` or `X-Forwarded-Host` is never
//! used on its own, or anyone could plant their host in links and policies we hand out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::http::header::{self, HeaderMap};
use actix_web::HttpRequest;

use crate::config::Settings;
use crate::net::client_ip::via_trusted_proxy;
use crate::state::AppState;

/// `scheme://host[:port]` without a trailing slash.
pub fn public_base(state: &AppState, req: &HttpRequest) -> String {
    let settings = &state.settings;
    let configured = settings.server.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    if via_trusted_proxy(req, &settings.server.trusted_proxies) {
        if let Some(base) = forwarded_base(req.headers()) {
            return base;
        }
    }
    listen_base(settings)
}

/// Whether browsers reach the service over HTTPS (cookies are then `Secure`).
pub fn is_https(state: &AppState, req: &HttpRequest) -> bool {
    public_base(state, req).starts_with("https://")
}

/// `http://<listen address>`, with a wildcard address replaced by loopback: the only
/// address of this machine that is sure to reach it. An operator who listens on all
/// interfaces sets `server.public_url` (start-up warns when it is missing).
pub fn listen_base(settings: &Settings) -> String {
    let addr = settings
        .listen_addr()
        .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)));
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Warns when absolute URLs will name a wildcard listen address's loopback stand-in.
pub fn warn_if_unreachable(settings: &Settings) {
    let wildcard = settings
        .listen_addr()
        .is_ok_and(|addr| addr.ip().is_unspecified());
    if settings.server.public_url.is_empty() && wildcard {
        tracing::warn!(
            base = %listen_base(settings),
            "server.public_url is empty and the service listens on all interfaces: links and \
             playback URLs will name {}; set IMSHARE__SERVER__PUBLIC_URL to the address clients use",
            listen_base(settings)
        );
    }
}

/// The base a trusted proxy reports (`Forwarded: proto=…;host=…`, else
/// `X-Forwarded-Proto` and `X-Forwarded-Host`, else `Host`), if it is a plain authority.
fn forwarded_base(headers: &HeaderMap) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let first = |value: &str| {
        value
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let mut proto = None;
    let mut host = None;
    if let Some(forwarded) = text(header::FORWARDED.as_str()) {
        for pair in first(forwarded).split(';') {
            match pair.trim().split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("proto") => {
                    proto = Some(v.trim_matches('"').to_ascii_lowercase())
                }
                Some((k, v)) if k.eq_ignore_ascii_case("host") => {
                    host = Some(v.trim_matches('"').to_owned())
                }
                _ => {}
            }
        }
    }
    let proto = proto
        .or_else(|| text("x-forwarded-proto").map(|p| first(p).to_ascii_lowercase()))
        .unwrap_or_else(|| "http".to_owned());
    let host = host
        .or_else(|| text("x-forwarded-host").map(first))
        .or_else(|| text(header::HOST.as_str()).map(first))?;
    if !matches!(proto.as_str(), "http" | "https") {
        return None;
    }
    let url = url::Url::parse(&format!("{proto}://{host}")).ok()?;
    // Only a host and port: no user info, path, query or anything else smuggled in.
    let plain = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !host.contains(['/', '?', '#', '@', '\\']);
    plain.then(|| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn base(pairs: &[(&'static str, &'static str)]) -> Option<String> {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        forwarded_base(&map)
    }

    #[test]
    fn a_proxy_reports_the_host_and_scheme() {
        assert_eq!(
            base(&[
                ("x-forwarded-host", "imshare.example"),
                ("x-forwarded-proto", "https")
            ]),
            Some("https://imshare.example".to_owned())
        );
        assert_eq!(
            base(&[(
                "forwarded",
                "for=1.2.3.4;proto=https;host=\"imshare.example:8443\""
            )]),
            Some("https://imshare.example:8443".to_owned())
        );
        assert_eq!(
            base(&[("host", "imshare.example")]),
            Some("http://imshare.example".to_owned())
        );
    }

    #[test]
    fn anything_but_a_plain_authority_is_refused() {
        for host in [
            "evil.example/path",
            "a@evil.example",
            "evil.example?x",
            "",
            "ev il",
        ] {
            let value: &'static str = Box::leak(host.to_owned().into_boxed_str());
            assert_eq!(base(&[("x-forwarded-host", value)]), None, "{host:?}");
        }
        assert_eq!(
            base(&[
                ("x-forwarded-host", "a.example"),
                ("x-forwarded-proto", "javascript")
            ]),
            None
        );
    }
}
