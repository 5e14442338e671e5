//! Validated upload input.

use serde::Deserialize;
use utoipa::ToSchema;

use super::UploadError;
use crate::media::{clean_text, Visibility};

/// What a client asks to upload.
#[derive(Deserialize, ToSchema)]
pub struct UploadRequest {
    /// Exact size of the file in bytes.
    pub size: u64,
    /// An `audio/*` or `video/*` type, e.g. `video/mp4`.
    pub content_type: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
}

/// An upload request that passed every check.
pub struct ValidUpload {
    pub size: u64,
    pub content_type: ContentType,
    pub title: String,
    pub description: String,
    pub visibility: Visibility,
}

/// A media content type: `audio/…` or `video/…`, lower-case, without parameters.
#[derive(Debug, Clone)]
pub struct ContentType(String);

impl ContentType {
    /// Accepts audio and video types only.
    pub fn parse(raw: &str) -> Result<ContentType, UploadError> {
        let essence = raw
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let (kind, sub) = essence.split_once('/').unwrap_or_default();
        let sub_ok = !sub.is_empty()
            && sub.len() <= 64
            && sub
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !matches!(kind, "audio" | "video") || !sub_ok {
            return Err(UploadError::UnsupportedType(raw.chars().take(80).collect()));
        }
        Ok(ContentType(essence))
    }

    /// The normalised type.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl UploadRequest {
    /// Checks every field against the configured maximum size.
    pub fn validate(self, max_size: u64) -> Result<ValidUpload, UploadError> {
        if self.size == 0 {
            return Err(UploadError::InvalidInput(
                "size must be the file's length in bytes, at least 1".into(),
            ));
        }
        if self.size > max_size {
            return Err(UploadError::TooLarge { max: max_size });
        }
        let content_type = ContentType::parse(&self.content_type)?;
        let title = clean_text(self.title, 200, "title").map_err(UploadError::InvalidInput)?;
        let description =
            clean_text(self.description, 5000, "description").map_err(UploadError::InvalidInput)?;
        Ok(ValidUpload {
            size: self.size,
            content_type,
            title,
            description,
            visibility: self.visibility.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(
            ContentType::parse("video/MP4; codecs=avc1")
                .unwrap()
                .as_str(),
            "video/mp4"
        );
        assert_eq!(
            ContentType::parse("audio/ogg").unwrap().as_str(),
            "audio/ogg"
        );
        for bad in [
            "text/plain",
            "video/",
            "video",
            "application/octet-stream",
            "video/mp4\r\nx: y",
            "",
        ] {
            assert!(
                ContentType::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
