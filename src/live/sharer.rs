//! The sharer's socket: binary frames in, checked, applied and relayed; an `error` text
//! frame back for each refused one (nothing of it is applied, so after an error the
//! sharer starts again with a geometry frame and the whole picture).
//!
//! The share's bytes/s limit is kept by reading more slowly: the socket waits before it
//! takes the next frame until the share is back under its budget, so TCP slows the sharer
//! down and no frame is ever dropped behind its back.

use std::time::{Duration, Instant};

use crate::websocket::{
    self, close_reason, CloseCode, Message, MessageStream, ProtocolError, Session,
};

use super::socket::Peer;
use super::span;
use super::store;
use crate::state::AppState;

/// Serves the sharer until either side closes, another connection takes over, the share
/// ends or the service stops.
pub async fn run(state: AppState, sharer: Peer, mut session: Session, stream: MessageStream) {
    let Peer {
        share_id,
        user_id,
        relay,
        relays,
    } = sharer;
    // The share may have ended between the check before the upgrade and now, when ending
    // it found no relay to close (see `store::may_still_use`).
    match store::may_still_use(&state.db, &share_id, &user_id).await {
        Ok(true) => {}
        Ok(false) => {
            let reason = close_reason(CloseCode::Normal, "the share has ended");
            let _ = session.close(reason).await;
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "live share: could not re-check the sharer");
            let reason = close_reason(
                CloseCode::Error,
                "the server could not check this share; reconnect",
            );
            let _ = session.close(reason).await;
            return;
        }
    }
    let (conn_id, replaced) = relay.attach_sharer();
    let delivery = &state.delivery;
    let answering = delivery.is_clustered().then(|| {
        span::spread_sharer(delivery, &share_id, true);
        let answer = span::answer_wants(
            delivery.clone(),
            relays.clone(),
            share_id.clone(),
            relay.clone(),
        );
        tokio::spawn(answer)
    });
    let limits = &state.settings.live;
    let mut stream = stream.max_size(limits.max_frame_bytes);
    let shutdown = session.stopping();
    let realtime = &state.settings.realtime;
    let idle_timeout = Duration::from_secs(realtime.idle_timeout_secs);
    let mut heartbeat = tokio::time::interval(Duration::from_secs(realtime.ping_secs.max(1)));
    let mut budget = ByteBudget::new(limits.max_bytes_per_sec);
    let mut last_heard = Instant::now();
    // Made once, not per frame (see the gateway's writer).
    let stopping = shutdown.cancelled();
    let ended = relay.ended.cancelled();
    let taken_over = replaced.cancelled();
    tokio::pin!(stopping, ended, taken_over);
    let reason = loop {
        let msg = tokio::select! {
            _ = &mut stopping => break close_reason(CloseCode::Restart, "service restart: reconnect in a few seconds"),
            _ = &mut ended => break close_reason(CloseCode::Normal, "the share has ended"),
            _ = &mut taken_over => break close_reason(CloseCode::Policy, "another connection of yours took over this share"),
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > idle_timeout {
                    break close_reason(CloseCode::Away, "no heartbeat: the connection was silent too long");
                }
                if session.ping(b"").await.is_err() { break None; }
                continue;
            }
            msg = stream.recv() => msg,
        };
        last_heard = Instant::now();
        let sent = match msg {
            None | Some(Ok(Message::Close(_))) => break None,
            Some(Ok(Message::Binary(frame))) => {
                let len = frame.len();
                let applied = match relay.apply(frame.clone(), limits) {
                    Ok(()) => {
                        span::spread_frame(delivery, &share_id, &frame);
                        Ok(())
                    }
                    Err(refused) => {
                        send_error(&mut session, refused.code(), &refused.to_string()).await
                    }
                };
                budget.spend(len).await;
                applied
            }
            Some(Ok(Message::Text(_))) => {
                let why = "a sharer sends binary tile frames only (see the live share protocol)";
                send_error(&mut session, "unsupported", why).await
            }
            Some(Ok(Message::Ping(bytes))) => session.pong(&bytes).await,
            Some(Ok(Message::Pong(_))) => Ok(()),
            Some(Err(ProtocolError::Overflow)) => {
                break close_reason(
                    CloseCode::Size,
                    "frame too large: send fewer tiles per frame",
                );
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "live share: WebSocket protocol error");
                break close_reason(CloseCode::Protocol, "WebSocket protocol error");
            }
        };
        if sent.is_err() {
            break None;
        }
    };
    relay.detach_sharer(&relays, &share_id, conn_id);
    if let Some(answering) = answering {
        answering.abort();
    }
    // Unless a newer connection of the sharer took over here, other nodes learn the sharer
    // left, and this node's viewers follow wherever the sharer reconnects.
    if !relay.sharing() {
        span::spread_sharer(delivery, &share_id, false);
        if relay.watching() > 0 {
            span::follow_if_needed(delivery, &relays, &share_id, &relay, limits);
        }
    }
    let _ = session.close(reason).await;
}

async fn send_error(
    session: &mut Session,
    code: &str,
    message: &str,
) -> Result<(), websocket::Closed> {
    let frame = serde_json::json!({ "type": "error", "code": code, "message": message });
    session.text(frame.to_string()).await
}

/// The share's bytes/s limit: a bucket of one second's bytes, refilled continuously. A
/// frame larger than what is left puts the bucket in debt, and the next read waits until
/// the debt is paid.
struct ByteBudget {
    per_sec: f64,
    left: f64,
    last: Instant,
}

impl ByteBudget {
    fn new(per_sec: u64) -> ByteBudget {
        let per_sec = per_sec.max(1) as f64;
        ByteBudget {
            per_sec,
            left: per_sec,
            last: Instant::now(),
        }
    }

    async fn spend(&mut self, bytes: usize) {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_sec;
        self.left = (self.left + refill).min(self.per_sec);
        self.last = now;
        self.left -= bytes as f64;
        if self.left < 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(-self.left / self.per_sec)).await;
        }
    }
}
