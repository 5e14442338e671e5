//! Where an upload is in its life.

use std::fmt;

use serde::Serialize;
use utoipa::ToSchema;

/// Granted uploads are `pending` until the client completes them, aborts them, or the
/// sweeper expires them. Stored as this lower-case text, and shown so in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum UploadState {
    Pending,
    Completed,
    Aborted,
    Expired,
}

impl UploadState {
    /// The stored (and shown) text.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Pending => "pending",
            UploadState::Completed => "completed",
            UploadState::Aborted => "aborted",
            UploadState::Expired => "expired",
        }
    }
}

impl fmt::Display for UploadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
        assert_eq!(UploadState::Pending.as_str(), "pending");
    }
}
