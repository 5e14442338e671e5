//! Delivers the user's stored events (`media.ready`, `media.failed`) over the gateway:
//! the backlog when a connection opens, then fresh ones by a poll every second. Each event
//! is claimed (marked delivered) before it is sent, so two paths never send it twice.

use bytestring::ByteString;
use std::time::Duration;

use crate::events::{self, StoredEvent, UserEvent};
use crate::ids::UserId;
use crate::state::AppState;
use crate::time_util::now_ms;

/// Most stored events sent when a connection opens (well under the connection's queue);
/// the rest follow on the next connect.
const BACKLOG: i64 = 100;
/// How far back the poll looks; events older than this wait for the user's next connect.
const POLL_WINDOW_MS: i64 = 120_000;

/// Sends the user's undelivered events to their connections.
pub async fn deliver_pending(state: &AppState, user_id: &UserId) {
    match events::pending(&state.db, user_id, BACKLOG).await {
        Ok(list) => {
            for StoredEvent {
                id, kind, payload, ..
            } in list
            {
                deliver(
                    state,
                    UserEvent {
                        id,
                        user_id: user_id.clone(),
                        kind,
                        payload,
                    },
                )
                .await;
            }
        }
        Err(e) => tracing::error!(error = %e, "loading undelivered events failed"),
    }
}

/// Polls for fresh events of online users until the task is aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        match events::recent_undelivered(&state.db, now_ms() - POLL_WINDOW_MS, 500).await {
            Ok(list) => {
                for event in list
                    .into_iter()
                    .filter(|e| state.delivery.is_online_here(&e.user_id))
                {
                    deliver(&state, event).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "polling for events failed; retrying"),
        }
    }
}

async fn deliver(state: &AppState, event: UserEvent) {
    match events::claim(&state.db, &event.id).await {
        Ok(true) => {
            // Through delivery, so the user's devices on other nodes get it too.
            state.delivery.to_user(&event.user_id, encode(&event)).await;
        }
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "marking an event delivered failed; it will be sent later")
        }
    }
}

/// `{"type": kind, ...payload}`.
fn encode(event: &UserEvent) -> ByteString {
    let mut frame = match serde_json::from_str::<serde_json::Value>(&event.payload) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    frame.insert("type".into(), event.kind.clone().into());
    ByteString::from(serde_json::Value::Object(frame).to_string())
}
