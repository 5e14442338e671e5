//! Getting events to sockets: at once when recorded, by each node's poll while fresh, and
//! as a backlog on every new connection, until a socket acks them.

use std::time::Duration;

use bytestring::ByteString;

use super::store::{self, Event};
use super::EventKind;
use crate::db::Db;
use crate::delivery::Delivery;
use crate::ids::{EventId, UserId};
use crate::time_util::now_ms;

/// Most owed events sent when a connection opens; the rest follow once these are acked,
/// on the next connection.
const BACKLOG: i64 = 100;
/// How far back each node's poll looks for owed events of its online users: events
/// recorded by a worker (which has no sockets) or while Redis was away reach sockets so.
const POLL_WINDOW_MS: i64 = 120_000;
const POLL_EVERY: Duration = Duration::from_secs(1);
const SWEEP_EVERY_POLLS: u32 = 3600;

/// Records an event and offers it to the user's sockets on every node; true if the user
/// is online somewhere (else it waits for their next connection).
pub async fn send(
    db: &Db,
    delivery: &Delivery,
    user_id: &UserId,
    kind: EventKind,
    payload: &serde_json::Value,
    ttl_ms: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let event = store::record(db, user_id, kind, payload, ttl_ms).await?;
    Ok(delivery
        .event_to_user(user_id, &event.id, frame_of(&event))
        .await)
}

/// The user's owed events as frames, oldest first, for a new connection's backlog (which
/// the gateway queues waiting for room, see [`Delivery::first_offer`]).
pub async fn backlog(db: &Db, user_id: &UserId) -> Vec<(EventId, ByteString)> {
    match store::owed(db, user_id, BACKLOG).await {
        Ok(events) => events
            .into_iter()
            .map(|e| (e.id.clone(), frame_of(&e)))
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "loading owed events failed; they follow on the next connection");
            Vec::new()
        }
    }
}

/// Offers fresh owed events to this node's sockets every second, until aborted; sockets
/// that had an event already are skipped by delivery.
pub async fn run_poll(db: Db, delivery: Delivery) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    let mut polls = 0u32;
    loop {
        tick.tick().await;
        match store::recent_owed(&db, now_ms() - POLL_WINDOW_MS, 500).await {
            Ok(events) => {
                for event in events
                    .iter()
                    .filter(|e| delivery.is_online_here(&e.user_id))
                {
                    delivery.event_to_user_here(&event.user_id, &event.id, frame_of(event));
                }
            }
            Err(e) => tracing::warn!(error = %e, "polling for events failed; retrying"),
        }
        polls += 1;
        if polls.is_multiple_of(SWEEP_EVERY_POLLS) {
            if let Err(e) = store::sweep(&db).await {
                tracing::warn!(error = %e, "sweeping old events failed; retrying later");
            }
        }
    }
}

/// `{"type": kind, "event_id": id, ...payload}`.
fn frame_of(event: &Event) -> ByteString {
    let mut frame = match serde_json::from_str::<serde_json::Value>(&event.payload) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    frame.insert("type".into(), event.kind.clone().into());
    frame.insert("event_id".into(), event.id.as_str().into());
    ByteString::from(serde_json::Value::Object(frame).to_string())
}
