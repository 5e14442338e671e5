//! A configured list of addresses and networks, written like `ladder`: one string,
//! entries separated by commas, so `IMSHARE__SECTION__KEY` can set it too.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

/// Addresses (`10.0.0.1`) and networks (`10.0.0.0/8`, `fd00::/8`), plus host names where
/// the setting allows them (an entry that is neither).
#[derive(Debug, Clone, Default)]
pub struct NetList {
    nets: Vec<IpNet>,
    hosts: Vec<String>,
}

impl NetList {
    /// Parses `"10.0.0.1, 10.1.0.0/16, hooks.internal"`; empty entries are ignored.
    pub fn parse(raw: &str) -> NetList {
        let mut list = NetList::default();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            if let Ok(net) = bare.parse::<IpNet>() {
                list.nets.push(net.trunc());
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else {
                list.hosts
                    .push(entry.trim_end_matches('.').to_ascii_lowercase());
            }
        }
        list
    }

    /// Whether `ip` is one of the addresses or inside one of the networks. An IPv4 address
    /// written as IPv6 (`::ffff:10.0.0.1`) matches its IPv4 entry.
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// Whether the host name is listed (case and a trailing dot do not matter).
    pub fn contains_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

impl<'de> Deserialize<'de> for NetList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|raw| NetList::parse(&raw))
    }
}

/// The IPv4 address an IPv4-mapped IPv6 address stands for; other addresses unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_networks_and_names_are_told_apart() {
        let list = NetList::parse(" 10.0.0.1, 192.168.0.0/16,[::1], Hooks.Internal. ,,");
        assert!(list.contains_ip("10.0.0.1".parse().unwrap()));
        assert!(!list.contains_ip("10.0.0.2".parse().unwrap()));
        assert!(list.contains_ip("192.168.7.9".parse().unwrap()));
        assert!(list.contains_ip("::ffff:192.168.7.9".parse().unwrap()));
        assert!(list.contains_ip("::1".parse().unwrap()));
        assert!(list.contains_host("hooks.internal"));
        assert!(list.contains_host("HOOKS.internal."));
        assert!(!list.contains_host("internal"));
        assert!(!NetList::parse("").contains_ip("10.0.0.1".parse().unwrap()));
    }
}
