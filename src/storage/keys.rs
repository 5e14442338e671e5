//! Object keys, all derived from server-made ids.

use crate::ids::{MediaId, UploadId, UserId};

/// Where the client uploads the original bytes (the key its presigned URLs are for).
pub fn original(user_id: &UserId, upload_id: &UploadId) -> String {
    format!("u/{user_id}/{upload_id}/original")
}

/// Where a single-PUT upload's bytes are kept once verified: no URL is ever signed for
/// this key, so nothing but the service can write it.
pub fn verified(user_id: &UserId, upload_id: &UploadId) -> String {
    format!("u/{user_id}/{upload_id}/verified")
}

/// The prefix holding a media's renditions.
pub fn media_prefix(media_id: &MediaId) -> String {
    format!("m/{media_id}/")
}

/// One HLS segment of a rendition.
pub fn segment(media_id: &MediaId, rendition: &str, index: u32) -> String {
    format!("m/{media_id}/hls/{rendition}/{index:05}.ts")
}

/// A single-file rendition (MP4, audio, poster) of a media.
pub fn rendition_file(media_id: &MediaId, name: &str) -> String {
    format!("m/{media_id}/{name}")
}
