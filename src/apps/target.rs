//! Where a webhook may be sent. A webhook URL is chosen by whoever registers the app, and
//! the server POSTs to it from inside the operator's network, so it must not reach the
//! machine itself, its private network or a cloud metadata service: such addresses are
//! refused unless `apps.webhook_allow` names them. The check runs at registration (the
//! URL, and what its host resolves to then) and again on every connection, through the
//! resolver of the webhook client, since a name can resolve elsewhere later (DNS
//! rebinding). Redirects are never followed, and plain http is for allow-listed hosts only.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::net::{ip_class, NetList};

/// Names that reach the machine itself or a metadata service whatever DNS says.
const INSIDE_NAMES: &[&str] = &[
    "localhost",
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
];

/// What the operator can do about a refused URL.
const ADVICE: &str =
    "use a public https URL, or ask the operator to add the host to apps.webhook_allow";

/// Checks a webhook URL being registered: its form, and every address its host has now.
pub async fn check_new(raw: &str, allow: &NetList) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("webhook_url is not a URL: {e}"))?;
    check_url(&url, allow)?;
    if let Some(Host::Domain(name)) = url.host() {
        check_name(name, allow)?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("webhook_url's host {name} does not resolve ({e}); {ADVICE}"))?;
        for addr in addrs {
            check_address(name, addr.ip(), allow)?;
        }
    }
    Ok(url)
}

/// Checks a URL before each call: its scheme and, when it names an address, that address.
/// A name is resolved, and its addresses checked, by [`GuardedResolver`] as the connection
/// is made (reqwest does not resolve literal addresses, so those are checked here).
pub fn check_url(url: &Url, allow: &NetList) -> Result<(), String> {
    let host = url
        .host()
        .ok_or_else(|| "webhook_url has no host".to_owned())?;
    let listed = match &host {
        Host::Domain(name) => allow.contains_host(name),
        Host::Ipv4(ip) => allow.contains_ip(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => allow.contains_ip(IpAddr::V6(*ip)),
    };
    match url.scheme() {
        "https" => {}
        "http" if listed => {}
        "http" => {
            return Err(format!(
                "webhook_url must use https (plain http only for hosts in apps.webhook_allow); {ADVICE}"
            ))
        }
        _ => return Err("webhook_url must be an https URL".to_owned()),
    }
    match host {
        Host::Domain(_) => Ok(()),
        Host::Ipv4(ip) => check_address(&ip.to_string(), IpAddr::V4(ip), allow),
        Host::Ipv6(ip) => check_address(&ip.to_string(), IpAddr::V6(ip), allow),
    }
}

/// Refuses names that mean this machine or a metadata service, before any DNS answer.
fn check_name(name: &str, allow: &NetList) -> Result<(), String> {
    let bare = name.trim_end_matches('.').to_ascii_lowercase();
    let inside = INSIDE_NAMES.contains(&bare.as_str()) || bare.ends_with(".localhost");
    if inside && !allow.contains_host(&bare) {
        return Err(format!(
            "webhook_url's host {name} is this machine or a metadata service; {ADVICE}"
        ));
    }
    Ok(())
}

/// Whether `host` (as written in the URL) may be reached at `ip`.
fn check_address(host: &str, ip: IpAddr, allow: &NetList) -> Result<(), String> {
    if allow.contains_host(host) || allow.contains_ip(ip) {
        return Ok(());
    }
    match ip_class::non_public(ip) {
        None => Ok(()),
        Some(what) => Err(format!(
            "webhook_url's host {host} is {what} ({ip}), which webhooks may not reach; {ADVICE}"
        )),
    }
}

/// The webhook client's resolver: the system's answer, less every address a webhook may
/// not reach, so a name that now points inside fails to connect instead.
pub struct GuardedResolver {
    allow: Arc<NetList>,
}

impl GuardedResolver {
    /// A resolver that lets through what `allow` names, and public addresses.
    pub fn new(allow: NetList) -> GuardedResolver {
        GuardedResolver {
            allow: Arc::new(allow),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let reachable: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|addr| check_address(&host, addr.ip(), &allow).is_ok())
                .collect();
            if reachable.is_empty() {
                tracing::warn!(%host, addresses = ?found, "a webhook host resolves only to addresses webhooks may not reach");
                return Err(
                    format!("{host} resolves only to addresses webhooks may not reach").into(),
                );
            }
            Ok(Box::new(reachable.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What registration checks before it resolves the name.
    fn check(url: &str, allow: &str) -> Result<(), String> {
        let (url, allow) = (Url::parse(url).unwrap(), NetList::parse(allow));
        check_url(&url, &allow)?;
        match url.host() {
            Some(Host::Domain(name)) => check_name(name, &allow),
            _ => Ok(()),
        }
    }

    #[test]
    fn inside_urls_are_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1:5432/",
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
            "https://10.0.0.1/",
            "https://localhost/",
            "https://api.localhost/",
            "https://metadata.google.internal/computeMetadata/v1/",
            "ftp://example.com/",
        ] {
            assert!(check(url, "").is_err(), "{url} must be refused");
        }
    }

    #[test]
    fn public_https_and_listed_hosts_pass() {
        assert!(check("https://93.184.216.34/hook", "").is_ok());
        assert!(check("https://hooks.example.com/hook", "").is_ok());
        assert!(
            check("http://hooks.example.com/hook", "").is_err(),
            "http needs the list"
        );
        assert!(check("http://127.0.0.1:8080/", "127.0.0.1").is_ok());
        assert!(check("http://10.1.2.3/", "10.0.0.0/8").is_ok());
        assert!(check("http://localhost:9/", "localhost").is_ok());
        assert!(check("http://10.1.2.3/", "10.0.0.0/16").is_err());
    }
}
