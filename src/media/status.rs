//! Where a clip is in its processing.

use serde::Serialize;
use utoipa::ToSchema;

/// A clip is `processing` from its upload's completion until the transcoder marks it
/// `ready` or `failed` (a failed clip may go back to `processing` on retry). Stored as this
/// lower-case text, and shown so in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum MediaStatus {
    Processing,
    Ready,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::MediaStatus::*;

    #[test]
    fn json_and_stored_text_agree() {
        for status in [Processing, Ready, Failed] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
        }
        assert_eq!(Processing.to_string(), "processing");
    }
}
