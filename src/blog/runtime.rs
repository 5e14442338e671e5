//! What each HTTP worker keeps for the pages: the policy naming the store's origin, the
//! blog-link keys, presigned URLs, and a short cache of anonymous pages. One per worker
//! thread, so no lock is ever contended.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use lru::LruCache;
use tokio::sync::OnceCell;

use super::link::LinkKeys;
use crate::state::AppState;
use crate::web::page;

/// Entries kept at most per map; query strings and clips are the visitors' to choose.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

/// Per-worker page state, registered as app data by [`super::configure`].
#[derive(Default)]
pub struct BlogRuntime {
    csp: OnceCell<String>,
    links: OnceCell<LinkKeys>,
    pages: Recent<Bytes>,
    urls: Recent<String>,
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

    /// A presigned GET URL of a stored object, valid for at least half the playback-URL
    /// lifetime. The caller has checked that the visitor may see the object. A URL is
    /// handed out again while it is young: presigning is the costliest step of a page,
    /// and a stable URL lets browsers keep posters in their cache between visits.
    pub async fn presign(&self, state: &AppState, key: &str) -> Result<String, anyhow::Error> {
        let ttl = Duration::from_secs(state.settings.media.play_url_ttl_secs);
        if let Some(url) = self.urls.get(key, ttl / 2) {
            return Ok(url);
        }
        let url = state
            .store
            .presign_get(key, ttl)
            .await
            .with_context(|| format!("presigning a URL of {key}"))?;
        self.urls.put(key.to_owned(), url.clone());
        Ok(url)
    }

    /// A rendered anonymous page younger than `ttl`.
    pub fn cached_page(&self, key: &str, ttl: Duration) -> Option<Bytes> {
        self.pages.get(key, ttl)
    }

    /// Keeps a rendered anonymous page.
    pub fn keep_page(&self, key: String, body: Bytes) {
        self.pages.put(key, body);
    }
}

/// Values kept for a while, at most [`CAPACITY`] of them: a new one past that pushes out
/// the one least recently used, so a flood of new keys never empties the whole cache.
struct Recent<V> {
    entries: Mutex<LruCache<String, (Instant, V)>>,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent {
            entries: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl<V: Clone> Recent<V> {
    fn get(&self, key: &str, max_age: Duration) -> Option<V> {
        let mut entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < max_age)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, (Instant::now(), value));
        }
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
    fn kept_values_expire() {
        let recent = Recent::default();
        recent.put("/".into(), Bytes::from_static(b"page"));
        assert_eq!(
            recent.get("/", Duration::from_secs(5)).as_deref(),
            Some(&b"page"[..])
        );
        assert!(recent.get("/", Duration::ZERO).is_none());
        assert!(recent.get("/other", Duration::from_secs(5)).is_none());
    }

    #[test]
    fn a_full_cache_pushes_out_one_entry_not_all() {
        let recent = Recent::default();
        let young = Duration::from_secs(60);
        for i in 0..CAPACITY.get() {
            recent.put(i.to_string(), i);
        }
        // "0" is read, so "1" is the least recently used when one more comes in.
        assert_eq!(recent.get("0", young), Some(0));
        recent.put("new".into(), usize::MAX);
        assert_eq!(recent.get("1", young), None);
        assert_eq!(recent.get("0", young), Some(0));
        assert_eq!(recent.get("2", young), Some(2));
        assert_eq!(recent.get("new", young), Some(usize::MAX));
    }
}
