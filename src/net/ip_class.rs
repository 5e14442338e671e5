//! Which addresses are reachable on the public internet. The service calls URLs that
//! users and apps choose (webhooks), so anything that could reach the machine itself, its
//! network or a cloud metadata service is refused unless the operator lists it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ipnet::IpNet;

/// IPv4 networks that are not public, with what they are (RFC 6890 and its updates).
const V4_SPECIAL: &[(&str, &str)] = &[
    ("0.0.0.0/8", "an unspecified (\"this network\") address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a carrier-grade NAT address"),
    ("127.0.0.0/8", "a loopback address"),
    (
        "169.254.0.0/16",
        "a link-local address (cloud metadata lives here)",
    ),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved or broadcast address"),
];

/// IPv6 networks inside the global unicast range 2000::/3 that are not public anyway.
const V6_SPECIAL: &[(&str, &str)] = &[
    (
        "2001::/23",
        "an IETF special-purpose address (Teredo, benchmarking, ORCHID)",
    ),
    ("2001:db8::/32", "a documentation address"),
    ("3fff::/20", "a documentation address"),
];

static V4_NETS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| parse(V4_SPECIAL));
static V6_NETS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| parse(V6_SPECIAL));

fn parse(table: &[(&str, &'static str)]) -> Vec<(IpNet, &'static str)> {
    table
        .iter()
        .filter_map(|(net, why)| net.parse().ok().map(|net| (net, *why)))
        .collect()
}

/// Why `ip` is not a public internet address, or `None` if it is one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    V4_NETS
        .iter()
        .find(|(net, _)| net.contains(&IpAddr::V4(ip)))
        .map(|(_, why)| *why)
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    // Forms that carry an IPv4 address, which is what a packet to them finally reaches.
    if let Some(v4) = embedded_v4(ip) {
        return non_public_v4(v4);
    }
    let first = ip.segments()[0];
    if first & 0xe000 != 0x2000 {
        return Some(match first {
            f if f & 0xfe00 == 0xfc00 => "a unique-local address (cloud metadata lives here)",
            f if f & 0xffc0 == 0xfe80 => "a link-local address",
            f if f & 0xff00 == 0xff00 => "a multicast address",
            _ => "an address outside the global unicast range",
        });
    }
    V6_NETS
        .iter()
        .find(|(net, _)| net.contains(&IpAddr::V6(ip)))
        .map(|(_, why)| *why)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        non_public(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn inside_addresses_are_refused_in_every_spelling() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.100.100.200",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:db8::1",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }
}
