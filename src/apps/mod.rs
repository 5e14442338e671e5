//! Browser-based applications (SPEC §3): registered by an administrator, they push
//! `app.message` frames to users and groups, and hear back from users through a signed
//! webhook fed from a durable outbox.
//!
//! An operator becomes an administrator by setting `users.is_admin` in the database
//! (`UPDATE users SET is_admin = TRUE WHERE username = '…'`), or through [`grant_admin`].

mod error;
mod routes;
pub mod store;
mod target;
pub mod webhook;

pub use error::AppError;
pub use routes::configure;
pub use store::grant_admin;

use crate::delivery::ServerFrame;
use crate::ids::{AppId, UserId};
use crate::state::AppState;

/// How long a push waits for an offline user.
const INBOX_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Hands the user's waiting pushes to their connections (called when they connect).
pub async fn deliver_inbox(state: &AppState, user_id: &UserId) {
    match store::take_inbox(&state.db, user_id).await {
        Ok(rows) => {
            for row in rows {
                let payload = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
                let frame = app_message(&row.app_id, &payload);
                state.delivery.to_user_here(user_id, frame);
            }
        }
        Err(e) => tracing::error!(error = %e, "taking the user's app inbox failed"),
    }
}

/// The `app.message` frame.
pub fn app_message(app_id: &AppId, payload: &serde_json::Value) -> bytestring::ByteString {
    ServerFrame::AppMessage { app_id, payload }.encode()
}
