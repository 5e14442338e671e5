//! One WebSocket connection: a writer that drains the connection's bounded queue into the
//! socket, and a reader that checks limits and hands frames to [`super::handler`].
//!
//! The writer is the only owner of the socket. A client that stops reading makes the writer
//! block; the queue then fills, delivery cancels the connection's `kick` token, and the
//! writer gives up on the blocked write and closes — no one else ever waits for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::handler::{self, ConnCtx};
use super::RateLimit;
use crate::accounts::presence;
use crate::delivery::{Outbound, Registration, ServerFrame};
use crate::ids::UserId;
use crate::state::AppState;
use crate::websocket::{
    close_reason, CloseCode, CloseReason, Message, MessageStream, ProtocolError, Session,
};

/// How long a close frame may wait for room in a slow client's socket.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// A connection registered with delivery, about to be served.
pub struct Conn {
    pub state: AppState,
    /// Turns to set a connection up (see [`super::Gateway`]).
    pub setups: Arc<Semaphore>,
    pub user_id: UserId,
    pub registration: Registration,
}

/// Serves a registered connection until either side closes, then unregisters it.
pub async fn run(conn: Conn, session: Session, stream: MessageStream) {
    let Conn {
        state,
        setups,
        user_id,
        registration: reg,
    } = conn;
    let ctx = ConnCtx {
        state,
        user_id,
        conn_id: reg.id,
        tx: reg.tx.clone(),
        kick: reg.kick.clone(),
    };
    let shutdown = session.stopping();
    let reader = actix_web::rt::spawn(read_loop(ctx.clone(), setups, stream));
    write_loop(session, reg, shutdown, reader).await;
    if let Some(shown) = ctx.state.delivery.unregister(&ctx.user_id, ctx.conn_id) {
        Box::pin(presence::went_offline(&ctx.state, &ctx.user_id, shown)).await;
    }
}

async fn write_loop(
    mut session: Session,
    reg: Registration,
    shutdown: CancellationToken,
    mut reader: JoinHandle<Option<CloseReason>>,
) {
    let Registration { mut rx, kick, .. } = reg;
    // Made once, not per frame: each `cancelled()` registers a waiter, which at thousands
    // of deliveries a second was a tenth of the fan-out's CPU time.
    let stopping = shutdown.cancelled();
    let kicked = kick.cancelled();
    tokio::pin!(stopping, kicked);
    let reason = loop {
        let out = tokio::select! {
            biased;
            _ = &mut stopping => break close_reason(CloseCode::Restart, "service restart: reconnect in a few seconds"),
            _ = &mut kicked => {
                break close_reason(CloseCode::Policy, "too slow: messages piled up unread; reconnect and group.sync")
            }
            ended = &mut reader => break ended.ok().flatten(),
            out = rx.recv() => match out {
                Some(Outbound::Close(why)) => break close_reason(CloseCode::Policy, why),
                Some(out) => out,
                None => break None,
            },
        };
        // A blocked write gives way to a kick or shutdown, handled at the top of the loop.
        let written = tokio::select! {
            biased;
            r = write(&mut session, out) => r,
            _ = &mut kicked => continue,
            _ = &mut stopping => continue,
        };
        if written.is_err() {
            reader.abort();
            return;
        }
    };
    reader.abort();
    // The close frame queues behind what the client has not read yet; a client that reads
    // again soon still learns why it was dropped, one that never does is cut after the grace.
    let _ = tokio::time::timeout(CLOSE_GRACE, session.close(reason)).await;
}

async fn write(session: &mut Session, out: Outbound) -> Result<(), crate::websocket::Closed> {
    match out {
        Outbound::Text(text) => session.text(text).await,
        Outbound::Ping => session.ping(b"").await,
        Outbound::Pong(bytes) => session.pong(&bytes).await,
        // Taken by the loop before it writes; nothing to write.
        Outbound::Close(_) => Ok(()),
    }
}

/// Reads client frames until the client closes, breaks a limit or goes silent; returns
/// the close reason to send.
async fn read_loop(
    ctx: ConnCtx,
    setups: Arc<Semaphore>,
    stream: MessageStream,
) -> Option<CloseReason> {
    // The backlog is queued here, waiting for room while the writer drains the queue: owed
    // events first, then presence.
    // Every database call is boxed: an idle connection's task then holds only what the
    // loop needs (about 1 KiB) instead of room for the largest query's state (~10 KiB).
    let turn = setups.acquire().await;
    for (event, frame) in Box::pin(crate::events::backlog(&ctx.state.db, &ctx.user_id)).await {
        if ctx
            .state
            .delivery
            .first_offer(&ctx.user_id, ctx.conn_id, &event)
        {
            Box::pin(ctx.send_in_turn(frame)).await;
        }
    }
    let friends = Box::pin(presence::came_online(&ctx.state, &ctx.user_id)).await;
    for (user_id, status) in &friends {
        let frame = ServerFrame::Presence {
            user_id,
            status: *status,
        };
        Box::pin(ctx.reply_in_turn(&frame)).await;
    }
    drop(turn);
    let limits = &ctx.state.settings.realtime;
    let mut stream = stream.max_size(limits.max_frame_bytes);
    let idle_timeout = Duration::from_secs(limits.idle_timeout_secs);
    let mut heartbeat = tokio::time::interval(Duration::from_secs(limits.ping_secs.max(1)));
    let mut rate = RateLimit::new(limits.rate_per_sec, limits.rate_burst);
    let mut last_heard = Instant::now();
    loop {
        let msg = tokio::select! {
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > idle_timeout {
                    return close_reason(CloseCode::Away, "no heartbeat: the connection was silent too long");
                }
                ctx.send(Outbound::Ping);
                continue;
            }
            msg = stream.recv() => msg,
        };
        last_heard = Instant::now();
        match msg {
            None | Some(Ok(Message::Close(_))) => return None,
            Some(Ok(Message::Ping(bytes))) => ctx.send(Outbound::Pong(bytes)),
            Some(Ok(Message::Pong(_))) => {}
            Some(Ok(Message::Binary(_))) => ctx.error(
                "unsupported",
                "frames are JSON text; binary frames are not accepted here",
            ),
            Some(Ok(Message::Text(text))) => {
                if rate.allow() {
                    Box::pin(handler::handle_text(&ctx, &text)).await;
                } else {
                    ctx.error(
                        "rate_limited",
                        "too many frames; slow down and resend what was refused",
                    );
                }
            }
            Some(Err(ProtocolError::Overflow)) => {
                return close_reason(
                    CloseCode::Size,
                    "frame too large; keep frames under the server's limit",
                );
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "WebSocket protocol error");
                return close_reason(CloseCode::Protocol, "WebSocket protocol error");
            }
        }
    }
}
