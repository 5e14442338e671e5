//! What a sync room accepts, checked once at the edge: the shared URL and the region.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest shared URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Largest region side, in CSS pixels (the inner frame is 1500×15000; some slack for zoom).
pub const MAX_SIDE: i64 = 20_000;
/// Largest region offset, in CSS pixels.
pub const MAX_OFFSET: i64 = 100_000;

/// An http(s) URL without credentials, at most [`MAX_URL_BYTES`] long.
#[derive(Debug, Clone)]
pub struct SharedUrl(String);

impl SharedUrl {
    /// Parses and normalizes `raw`, or says what is wrong with it.
    pub fn parse(raw: &str) -> Result<SharedUrl, String> {
        if raw.len() > MAX_URL_BYTES {
            return Err(format!(
                "the URL is {} bytes; share one of at most {MAX_URL_BYTES}",
                raw.len()
            ));
        }
        let url = reqwest::Url::parse(raw.trim())
            .map_err(|e| format!("the URL does not parse ({e}); give a full http(s):// URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "{}: URLs cannot be shared; only http:// and https:// pages can",
                url.scheme()
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the URL carries a user name or password; share it without them".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host; give a full http(s):// URL".into());
        }
        let normalized = String::from(url);
        if normalized.len() > MAX_URL_BYTES {
            return Err(format!(
                "the URL is over {MAX_URL_BYTES} bytes once encoded; share a shorter one"
            ));
        }
        Ok(SharedUrl(normalized))
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rectangle of the shared page, in CSS pixels of the inner frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Region {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

impl Region {
    /// Checks the bounds, or says which number is out of range.
    pub fn parse(x: i64, y: i64, width: i64, height: i64) -> Result<Region, String> {
        if !(0..=MAX_OFFSET).contains(&x) || !(0..=MAX_OFFSET).contains(&y) {
            return Err(format!("x and y must be 0 to {MAX_OFFSET}; got {x}, {y}"));
        }
        if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
            return Err(format!(
                "width and height must be 1 to {MAX_SIDE}; got {width}×{height}"
            ));
        }
        Ok(Region {
            x,
            y,
            width,
            height,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_are_shared() {
        assert!(SharedUrl::parse("https://example.org/a?b=c").is_ok());
        assert!(SharedUrl::parse("http://127.0.0.1:8080/").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://example.org/",
            "https://user:pw@example.org/",
            "https://user@example.org/",
            "example.org",
            "",
        ] {
            assert!(SharedUrl::parse(bad).is_err(), "{bad} was accepted");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_BYTES));
        assert!(SharedUrl::parse(&long).is_err());
    }

    #[test]
    fn regions_are_bounded() {
        assert!(Region::parse(0, 0, 1, 1).is_ok());
        assert!(Region::parse(-1, 0, 10, 10).is_err());
        assert!(Region::parse(0, 0, 0, 10).is_err());
        assert!(Region::parse(0, 0, 10, MAX_SIDE + 1).is_err());
        assert!(Region::parse(MAX_OFFSET + 1, 0, 10, 10).is_err());
    }
}
