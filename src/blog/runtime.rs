//! What each HTTP worker keeps for the pages: the policy naming the store's origin, the
//! blog-link keys, and a short cache of anonymous pages. One per worker thread, so no
//! lock is ever contended.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use tokio::sync::OnceCell;

use super::link::LinkKeys;
use super::page;
use crate::state::AppState;

/// Entries kept at most; anonymous pages are few, but query strings are the visitor's.
const CACHE_CAPACITY: usize = 512;

/// Per-worker page state, registered as app data by [`super::configure`].
#[derive(Default)]
pub struct BlogRuntime {
    csp: OnceCell<String>,
    links: OnceCell<LinkKeys>,
    cache: Mutex<HashMap<String, (Instant, Bytes)>>,
}

impl BlogRuntime {
    /// The Content-Security-Policy of pages with posters and players.
    pub async fn csp(&self, state: &AppState) -> Result<&str, anyhow::Error> {
        let policy = self
            .csp
            .get_or_try_init(|| async {
                // The store's public origin is whatever its presigned URLs point at.
                let url = state
                    .store
                    .presign_get("blog/origin", Duration::from_secs(60))
                    .await
                    .context("presigning a URL to learn the store's origin")?;
                Ok::<_, anyhow::Error>(page::csp(origin_of(&url)))
            })
            .await?;
        Ok(policy)
    }

    /// The keys that sign and check blog links.
    pub async fn links(&self, state: &AppState) -> Result<&LinkKeys, anyhow::Error> {
        self.links
            .get_or_try_init(|| LinkKeys::load(&state.settings))
            .await
    }

    /// A rendered anonymous page younger than `ttl`.
    pub fn cached(&self, key: &str, ttl: Duration) -> Option<Bytes> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, body)| body.clone())
    }

    /// Keeps a rendered anonymous page.
    pub fn keep(&self, key: String, body: Bytes, ttl: Duration) {
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), body));
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("http://127.0.0.1:9000/bucket/key?X-Amz=1"),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            origin_of("https://s3.example.com/b/k"),
            "https://s3.example.com"
        );
        assert_eq!(
            origin_of("https://s3.example.com"),
            "https://s3.example.com"
        );
    }

    #[test]
    fn cached_pages_expire() {
        let runtime = BlogRuntime::default();
        runtime.keep(
            "/".into(),
            Bytes::from_static(b"page"),
            Duration::from_secs(5),
        );
        assert_eq!(
            runtime.cached("/", Duration::from_secs(5)).as_deref(),
            Some(&b"page"[..])
        );
        assert!(runtime.cached("/", Duration::ZERO).is_none());
        assert!(runtime.cached("/other", Duration::from_secs(5)).is_none());
    }
}
