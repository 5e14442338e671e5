//! What the gateway does with each client frame.

use bytestring::ByteString;

use super::frames::ClientFrame;
use super::sync;
use crate::apps;
use crate::delivery::{ConnId, Outbound, ServerFrame};
use crate::events;
use crate::groups::send::{self, Refused};
use crate::groups::store::{self, Appended};
use crate::ids::{AppId, EventId, GroupId, UserId};
use crate::state::AppState;
use crate::time_util::{now_ms, rfc3339};

/// Most messages one `group.sync` replays; the client syncs again from the last seq.
const SYNC_BATCH: i64 = 200;
/// How long a batch reply waits for room in a connection's queue.
const REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Who is on the other end of a connection.
#[derive(Clone)]
pub struct ConnCtx {
    pub state: AppState,
    pub user_id: UserId,
    pub conn_id: ConnId,
    /// This connection's queue, for replies that should wait for room.
    pub tx: tokio::sync::mpsc::Sender<Outbound>,
    /// Tells the writer to drop this connection as too slow.
    pub kick: tokio_util::sync::CancellationToken,
}

impl ConnCtx {
    /// Queues a frame on this connection only.
    pub fn send(&self, out: Outbound) {
        self.state
            .delivery
            .to_conn(&self.user_id, self.conn_id, out);
    }

    /// Queues a server frame on this connection only.
    pub fn reply(&self, frame: &ServerFrame<'_>) {
        self.send(Outbound::Text(frame.encode()));
    }

    /// Queues a server frame on this connection, waiting for room: for batches (sync,
    /// presence list) that may be longer than the queue. A client that makes no room
    /// within [`REPLY_WAIT`] is dropped as too slow.
    pub async fn reply_in_turn(&self, frame: &ServerFrame<'_>) {
        self.send_in_turn(frame.encode()).await;
    }

    /// Queues an encoded frame on this connection, waiting for room (see [`Self::reply_in_turn`]).
    pub async fn send_in_turn(&self, frame: ByteString) {
        let send = self.tx.send(Outbound::Text(frame));
        if tokio::time::timeout(REPLY_WAIT, send).await.is_err() {
            self.kick.cancel();
        }
    }

    /// Queues an `error` frame.
    pub fn error(&self, code: &str, message: &str) {
        self.reply(&ServerFrame::Error {
            code,
            message,
            client_msg_id: None,
        });
    }

    /// Queues an `error` frame answering the frame with `client_msg_id`.
    pub fn error_for(&self, client_msg_id: &str, code: &str, message: &str) {
        self.reply(&ServerFrame::Error {
            code,
            message,
            client_msg_id: Some(client_msg_id),
        });
    }
}

/// Parses and acts on one text frame.
pub async fn handle_text(ctx: &ConnCtx, text: &str) {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(ClientFrame::GroupSend {
            group_id,
            body,
            client_msg_id,
        }) => group_send(ctx, &group_id, &body, &client_msg_id).await,
        Ok(ClientFrame::GroupSync {
            group_id,
            after_seq,
        }) => group_sync(ctx, &group_id, after_seq).await,
        Ok(ClientFrame::AppSend { app_id, payload }) => app_send(ctx, &app_id, payload).await,
        Ok(ClientFrame::SyncRegion {
            room_id,
            url,
            x,
            y,
            width,
            height,
            version,
        }) => {
            let update = sync::RegionUpdate {
                room_id,
                url,
                region: (x, y, width, height),
                version,
            };
            sync::region(ctx, update).await
        }
        Ok(ClientFrame::SyncJoin { room_id }) => sync::join(ctx, &room_id).await,
        Ok(ClientFrame::EventAck { event_ids }) => event_ack(ctx, &event_ids).await,
        Err(e) => ctx.error(
            "bad_frame",
            &format!("unreadable frame ({e}); send JSON frames as API.md lists them"),
        ),
    }
}

#[tracing::instrument(skip_all, fields(user = %ctx.user_id, group = %group_id))]
async fn group_send(ctx: &ConnCtx, group_id: &GroupId, body: &str, client_msg_id: &str) {
    let stored = send::store_message(&ctx.state, group_id, &ctx.user_id, client_msg_id, body);
    match stored.await {
        Ok(Appended::Stored(row)) => {
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                seq: row.seq,
            });
            send::fan_out(&ctx.state, group_id, &row, Some(ctx.conn_id)).await;
        }
        Ok(Appended::Duplicate(row)) => ctx.reply(&ServerFrame::Ack {
            client_msg_id,
            seq: row.seq,
        }),
        Ok(Appended::NotMember) | Err(Refused::NotMember) => {
            ctx.error_for(client_msg_id, "not_a_member", NOT_A_MEMBER)
        }
        Err(Refused::TooLarge { len, max }) => ctx.error_for(
            client_msg_id,
            "too_large",
            &format!("the body is {len} bytes; the limit is {max}"),
        ),
        Err(Refused::BadClientMsgId) => ctx.error_for(
            client_msg_id,
            "bad_frame",
            "client_msg_id must be 1 to 128 bytes, unique per message you send",
        ),
        Err(Refused::Store(e)) => {
            tracing::error!(error = %e, "storing a group message failed");
            ctx.error_for(
                client_msg_id,
                "internal",
                "the message was not stored; send it again with the same client_msg_id",
            );
        }
    }
}

#[tracing::instrument(skip_all, fields(user = %ctx.user_id, group = %group_id))]
async fn group_sync(ctx: &ConnCtx, group_id: &GroupId, after_seq: i64) {
    let rows = match store::group_of_member(&ctx.state.db, group_id, &ctx.user_id).await {
        Ok(Some(_)) => store::messages_after(&ctx.state.db, group_id, after_seq, SYNC_BATCH).await,
        Ok(None) => return not_a_member(ctx),
        Err(e) => Err(e),
    };
    match rows {
        Ok(rows) => {
            for row in &rows {
                ctx.reply_in_turn(&send::message_frame(group_id, row)).await;
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "reading group messages failed");
            ctx.error(
                "internal",
                "could not read the group's messages; try group.sync again",
            );
        }
    }
}

/// Queues the message for the app's webhook; delivery happens in [`crate::apps::webhook`].
#[tracing::instrument(skip_all, fields(user = %ctx.user_id, app = %app_id))]
async fn app_send(ctx: &ConnCtx, app_id: &AppId, payload: serde_json::Value) {
    let app = match apps::store::find_app(&ctx.state.db, app_id).await {
        Ok(Some(app)) if app.webhook_url.is_some() => app,
        Ok(_) => {
            return ctx.error(
                "app_not_found",
                "no app with that id takes messages from users",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "looking up an app failed");
            return ctx.error("internal", "the message was not queued; send it again");
        }
    };
    let body = serde_json::json!({
        "app_id": app.id, "from": ctx.user_id, "payload": payload, "sent_at": rfc3339(now_ms()),
    });
    if let Err(e) = apps::store::queue_webhook(&ctx.state.db, &app.id, &body.to_string()).await {
        tracing::error!(error = %e, "queueing a webhook call failed");
        ctx.error("internal", "the message was not queued; send it again");
    }
}

/// Marks the caller's events acked, before the next frame of this socket is read; ids of
/// other users' events are ignored.
#[tracing::instrument(skip_all, fields(user = %ctx.user_id, events = event_ids.len()))]
async fn event_ack(ctx: &ConnCtx, event_ids: &[EventId]) {
    if event_ids.len() > events::MAX_ACK_IDS {
        let message = format!("ack at most {} events per frame", events::MAX_ACK_IDS);
        return ctx.error("too_many_ids", &message);
    }
    if let Err(e) = events::ack(&ctx.state.db, &ctx.user_id, event_ids).await {
        tracing::error!(error = %e, "acking events failed");
        ctx.error(
            "internal",
            "the ack was not recorded; the events come again, ack them again",
        );
    }
}

const NOT_A_MEMBER: &str = "you are not a member of that group (or it does not exist)";

fn not_a_member(ctx: &ConnCtx) {
    ctx.error("not_a_member", NOT_A_MEMBER);
}
