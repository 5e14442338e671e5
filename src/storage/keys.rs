//! Object keys, all derived from server-made ids.

/// Where the original bytes of an upload live.
pub fn original(user_id: &str, upload_id: &str) -> String {
    format!("u/{user_id}/{upload_id}/original")
}

/// The prefix holding a media's renditions.
pub fn media_prefix(media_id: &str) -> String {
    format!("m/{media_id}/")
}
