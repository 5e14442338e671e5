//! Who the client is. The peer address of the connection, unless that peer is a proxy the
//! operator named in `server.trusted_proxies`: then the client is the last address the
//! proxies recorded (in `Forwarded` or `X-Forwarded-For`) that is not itself a trusted
//! proxy. Anyone can send those headers, so from any other peer they are ignored.

use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::http::header::{self, HeaderMap};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::nets::{canonical, NetList};

/// The proxies whose forwarding headers are believed (`server.trusted_proxies`), as the app
/// registers them for the [`ClientIp`] extractor.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub NetList);

/// The client's address, as far as the service can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl FromRequest for ClientIp {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<ClientIp, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let empty = NetList::default();
        ready(Ok(client_ip(req, trusted.map_or(&empty, |t| &t.0))))
    }
}

/// The client of `req`, given the trusted proxies.
pub fn client_ip(req: &HttpRequest, trusted: &NetList) -> ClientIp {
    // A request always has a peer over TCP; only a test request built in memory has none.
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| canonical(a.ip()));
    ClientIp(from_headers(peer, req.headers(), trusted))
}

impl ClientIp {
    /// What per-client limits count this client under: an IPv4 address, or the /64 an
    /// IPv6 address lies in, the block one subscriber is usually given (counting single
    /// v6 addresses would let one client take a place per address it can pick).
    pub fn limit_key(self) -> IpAddr {
        match canonical(self.0) {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
            v4 => v4,
        }
    }
}

/// The client of a connection from `peer` whose request carried `headers`, for callers
/// that hold a request head rather than an `HttpRequest` (WebSocket upgrades).
pub fn client_ip_of(peer: IpAddr, headers: &HeaderMap, trusted: &NetList) -> ClientIp {
    ClientIp(from_headers(canonical(peer), headers, trusted))
}

/// Whether the request came straight from a proxy the operator trusts.
pub fn via_trusted_proxy(req: &HttpRequest, trusted: &NetList) -> bool {
    req.peer_addr()
        .is_some_and(|peer| trusted.contains_ip(peer.ip()))
}

fn from_headers(peer: IpAddr, headers: &HeaderMap, trusted: &NetList) -> IpAddr {
    if !trusted.contains_ip(peer) {
        return peer;
    }
    let chain = forwarded_for(headers);
    // Right to left: each hop appended the address it got the request from, so the first
    // address that is not one of our proxies is the client; what lies left of it is the
    // client's own claim.
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !trusted.contains_ip(*ip) {
                    break;
                }
            }
            // An obfuscated or unknown hop: nothing left of it can be believed.
            None => break,
        }
    }
    client
}

/// The `for` addresses of `Forwarded` (RFC 7239), or else of `X-Forwarded-For`, in order;
/// `None` where a hop is `unknown`, obfuscated or malformed.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let forwarded = values(header::FORWARDED);
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v.trim_matches('"')))
            })
            .collect();
    }
    values(header::X_FORWARDED_FOR)
        .iter()
        .map(|v| parse_node(v))
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:80` or `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(canonical(addr.ip()));
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|ip| ip.parse().ok())
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_count_by_their_64_block() {
        let key = |s: &str| ClientIp(ip(s)).limit_key();
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), ip("192.0.2.7"));
        assert_eq!(key("192.0.2.7"), ip("192.0.2.7"));
    }

    #[test]
    fn headers_count_only_from_a_trusted_proxy() {
        let trusted = NetList::parse("10.0.0.0/8");
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            from_headers(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            from_headers(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_client_is_the_last_hop_that_is_not_a_proxy() {
        let trusted = NetList::parse("10.0.0.0/8");
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(
            from_headers(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.9")
        );
        let h = headers(&[(
            "forwarded",
            "for=1.1.1.1, for=\"[2001:db8::5]:4711\";proto=https",
        )]);
        assert_eq!(
            from_headers(ip("10.0.0.5"), &h, &trusted),
            ip("2001:db8::5")
        );
        let h = headers(&[("x-forwarded-for", "1.1.1.1, garbage")]);
        assert_eq!(from_headers(ip("10.0.0.5"), &h, &trusted), ip("10.0.0.5"));
    }
}
