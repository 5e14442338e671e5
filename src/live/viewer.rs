//! A viewer's socket: first the whole current picture, then every frame the sharer sends,
//! from the viewer's bounded queue. A viewer that falls behind starts again from the
//! whole picture (see [`super::relay`]); one whose socket stops taking data at all is
//! closed after [`WRITE_TIMEOUT`]. Viewers only watch: anything they send but control
//! frames is answered with an error.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::websocket::{close_reason, CloseCode, Message, MessageStream, Session};

use super::relay::ToViewer;
use super::socket::Peer;
use super::span;
use super::store;
use crate::state::AppState;

/// How long one write may wait for a viewer's socket to take data.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest message a viewer may send: viewers send only control frames.
const MAX_VIEWER_FRAME: usize = 4096;

/// Serves a viewer until either side closes, the share ends, the viewer's right to watch
/// ends (see [`super::recheck`]) or the service stops.
pub async fn run(state: AppState, viewer: Peer, mut session: Session, stream: MessageStream) {
    let Peer {
        share_id,
        user_id,
        relay,
        relays,
    } = viewer;
    let limits = &state.settings.live;
    let (mut handle, first) = relay.attach_viewer(&user_id, limits.viewer_queue_frames);
    // The sharer may be connected to another node: then this node follows it.
    span::follow_if_needed(&state.delivery, &relays, &share_id, &relay, limits);
    let mut stream = stream.max_size(MAX_VIEWER_FRAME);
    let shutdown = session.stopping();
    let realtime = &state.settings.realtime;
    let idle_timeout = Duration::from_secs(realtime.idle_timeout_secs);
    let mut heartbeat = tokio::time::interval(Duration::from_secs(realtime.ping_secs.max(1)));
    let mut last_heard = Instant::now();
    let mut reason = None;
    // Made once, not per frame (see the gateway's writer).
    let stopping = shutdown.cancelled();
    let ended = relay.ended.cancelled();
    let revoked = handle.revoked.clone();
    let revoked = revoked.cancelled();
    tokio::pin!(stopping, ended, revoked);
    let mut ok = match store::may_still_use(&state.db, &share_id, &user_id).await {
        Ok(true) => send_all(&mut session, first).await,
        Ok(false) => {
            reason = close_reason(
                CloseCode::Normal,
                "the share has ended, or is no longer yours to watch",
            );
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "live share: could not re-check a viewer");
            reason = close_reason(
                CloseCode::Error,
                "the server could not check this share; reconnect",
            );
            false
        }
    };
    while ok {
        let out = tokio::select! {
            _ = &mut stopping => { reason = close_reason(CloseCode::Restart, "service restart: reconnect in a few seconds"); break }
            _ = &mut ended => { reason = close_reason(CloseCode::Normal, "the share has ended"); break }
            _ = &mut revoked => { reason = close_reason(CloseCode::Policy, "you may no longer watch this share: you are not the sharer's friend any more"); break }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > idle_timeout {
                    reason = close_reason(CloseCode::Away, "no heartbeat: the connection was silent too long");
                    break;
                }
                ok = write(&mut session, Write::Ping).await;
                continue;
            }
            msg = stream.recv() => {
                last_heard = Instant::now();
                match msg {
                    None | Some(Ok(Message::Close(_))) | Some(Err(_)) => break,
                    Some(Ok(Message::Ping(bytes))) => ok = write(&mut session, Write::Pong(&bytes)).await,
                    Some(Ok(Message::Pong(_))) => {}
                    Some(Ok(_)) => {
                        let error = r#"{"type":"error","code":"unsupported","message":"viewers only watch; only the sharer sends frames"}"#;
                        ok = write(&mut session, Write::Message(ToViewer::Text(Arc::from(error)))).await;
                    }
                }
                continue;
            }
            out = handle.rx.recv() => out,
        };
        let Some(out) = out else { break };
        ok = if handle.lagging.swap(false, Ordering::AcqRel) {
            // Frames were dropped: what is queued is stale, the whole picture is not.
            while handle.rx.try_recv().is_ok() {}
            send_all(&mut session, relay.snapshot()).await
        } else {
            write(&mut session, Write::Message(out)).await
        };
    }
    relay.detach_viewer(&relays, &share_id, handle.id);
    let _ = tokio::time::timeout(WRITE_TIMEOUT, session.close(reason)).await;
}

enum Write<'a> {
    Message(ToViewer),
    Ping,
    Pong(&'a [u8]),
}

/// Writes one message; false when the socket is closed or stuck.
async fn write(session: &mut Session, what: Write<'_>) -> bool {
    let written = match what {
        Write::Message(ToViewer::Frame(bytes)) => {
            tokio::time::timeout(WRITE_TIMEOUT, session.binary(bytes)).await
        }
        Write::Message(ToViewer::Text(text)) => {
            tokio::time::timeout(WRITE_TIMEOUT, session.text(&*text)).await
        }
        Write::Ping => tokio::time::timeout(WRITE_TIMEOUT, session.ping(b"")).await,
        Write::Pong(bytes) => tokio::time::timeout(WRITE_TIMEOUT, session.pong(bytes)).await,
    };
    matches!(written, Ok(Ok(())))
}

async fn send_all(session: &mut Session, messages: Vec<ToViewer>) -> bool {
    for message in messages {
        if !write(session, Write::Message(message)).await {
            return false;
        }
    }
    true
}
