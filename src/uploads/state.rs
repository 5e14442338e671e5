//! Where an upload is in its life.

use serde::Serialize;
use utoipa::ToSchema;

/// Granted uploads are `pending` until the client completes them, aborts them, or the
/// sweeper expires them. Stored as this lower-case text, and shown so in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum UploadState {
    Pending,
    Completed,
    Aborted,
    Expired,
}

#[cfg(test)]
mod tests {
    use super::UploadState::{self, *};

    #[test]
    fn json_and_stored_text_agree() {
        for state in [Pending, Completed, Aborted, Expired] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{state}\""));
        }
        assert_eq!(UploadState::Pending.to_string(), "pending");
    }
}
