//! The relay of every live share this node serves: each share's current picture, its
//! sharer connection and its viewers' queues.
//!
//! A sharer's frame is checked and applied to the picture and pushed onto every viewer's
//! queue under one lock, so a viewer's first picture (taken under the same lock) and the
//! frames after it never leave a gap. A viewer whose queue is full is not cut off: it is
//! marked lagging, drops what it has queued and starts again from the whole picture, which
//! is what it would have ended up with anyway.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use super::tile_set::{FrameRefused, TileSet};
use crate::config::LiveSettings;
use crate::ids::{ShareId, UserId};

/// What a viewer's socket is sent.
#[derive(Debug, Clone)]
pub enum ToViewer {
    /// A protocol frame, shared by every viewer.
    Frame(Bytes),
    /// A JSON status line (`live.sharer`, `error`).
    Text(Arc<str>),
}

/// The live shares this node relays, by id.
#[derive(Default)]
pub struct Relays {
    shares: Mutex<HashMap<ShareId, Arc<Relay>>>,
}

impl Relays {
    /// The relay of a share, made on first use.
    pub fn get(&self, share_id: &ShareId) -> Arc<Relay> {
        let mut shares = lock(&self.shares);
        shares
            .entry(share_id.clone())
            .or_insert_with(|| Arc::new(Relay::default()))
            .clone()
    }

    /// The relay of a share if this node has one.
    pub fn get_existing(&self, share_id: &ShareId) -> Option<Arc<Relay>> {
        lock(&self.shares).get(share_id).cloned()
    }

    /// Drops the relay (and its picture) once no sharer nor viewer is attached.
    fn forget_if_idle(&self, share_id: &ShareId) {
        let mut shares = lock(&self.shares);
        if shares.get(share_id).is_some_and(|r| r.is_idle()) {
            if let Some(relay) = shares.remove(share_id) {
                relay.stop_following();
            }
        }
    }

    /// The shares on which `user_id` watches, with the tokens that close those sockets.
    pub fn watched_by(&self, user_id: &UserId) -> Vec<(ShareId, Vec<CancellationToken>)> {
        let relays: Vec<(ShareId, Arc<Relay>)> = lock(&self.shares)
            .iter()
            .map(|(id, relay)| (id.clone(), relay.clone()))
            .collect();
        relays
            .into_iter()
            .map(|(id, relay)| (id, relay.viewers_of(user_id)))
            .filter(|(_, tokens)| !tokens.is_empty())
            .collect()
    }

    /// Ends a share: every socket attached to it is closed and the picture dropped.
    pub fn end(&self, share_id: &ShareId) {
        if let Some(relay) = lock(&self.shares).remove(share_id) {
            relay.stop_following();
            relay.ended.cancel();
        }
    }
}

/// One share's relay.
#[derive(Default)]
pub struct Relay {
    inner: Mutex<RelayState>,
    /// Cancelled when the owner ends the share.
    pub ended: CancellationToken,
}

#[derive(Default)]
struct RelayState {
    picture: TileSet,
    viewers: HashMap<u64, ViewerSlot>,
    /// The connected sharer and the token that makes it give way to a newer connection.
    sharer: Option<(u64, CancellationToken)>,
    /// Whether the sharer is connected to another node (see [`super::span`]).
    remote_sharer: bool,
    /// The task that follows the sharer's node while the sharer is not connected here.
    following: Option<AbortHandle>,
    next_id: u64,
}

struct ViewerSlot {
    tx: mpsc::Sender<ToViewer>,
    lagging: Arc<AtomicBool>,
    user_id: UserId,
    revoked: CancellationToken,
}

/// A viewer's end of the relay.
pub struct ViewerHandle {
    pub id: u64,
    pub rx: mpsc::Receiver<ToViewer>,
    /// Set when frames were dropped because the queue was full: start again from
    /// [`Relay::snapshot`].
    pub lagging: Arc<AtomicBool>,
    /// Cancelled when the viewer's right to watch ended.
    pub revoked: CancellationToken,
}

impl Relay {
    fn is_idle(&self) -> bool {
        let state = lock(&self.inner);
        state.sharer.is_none() && state.viewers.is_empty()
    }

    /// Attaches the sharer; a sharer already attached is told to give way (its token is
    /// cancelled), so a client that reconnects before its old socket times out takes over.
    pub fn attach_sharer(&self) -> (u64, CancellationToken) {
        let mut state = lock(&self.inner);
        let id = state.next_id();
        let token = CancellationToken::new();
        if let Some((_, old)) = state.sharer.replace((id, token.clone())) {
            old.cancel();
        }
        // The sharer is here now: this node is the source, it follows no other.
        if let Some(following) = state.following.take() {
            following.abort();
        }
        state.remote_sharer = false;
        state.broadcast(ToViewer::Text(sharer_status(true)));
        (id, token)
    }

    /// Detaches the sharer `id` (unless a newer one took over); the picture stays for the
    /// viewers until everyone has left.
    pub fn detach_sharer(&self, relays: &Relays, share_id: &ShareId, id: u64) {
        {
            let mut state = lock(&self.inner);
            if state.sharer.as_ref().is_some_and(|(s, _)| *s == id) {
                state.sharer = None;
                state.broadcast(ToViewer::Text(sharer_status(false)));
            }
        }
        relays.forget_if_idle(share_id);
    }

    /// Checks a sharer's frame, applies it and relays the same bytes to every viewer.
    pub fn apply(&self, message: Bytes, limits: &LiveSettings) -> Result<(), FrameRefused> {
        let mut state = lock(&self.inner);
        state.picture.apply(&message, limits)?;
        state.broadcast(ToViewer::Frame(message));
        Ok(())
    }

    /// Attaches a viewer (`user_id`) with a queue of `queue` messages; returns its handle
    /// and the first picture to send: whether the sharer is connected, then the whole
    /// current picture.
    pub fn attach_viewer(&self, user_id: &UserId, queue: usize) -> (ViewerHandle, Vec<ToViewer>) {
        let mut state = lock(&self.inner);
        let id = state.next_id();
        let (tx, rx) = mpsc::channel(queue.max(1));
        let lagging = Arc::new(AtomicBool::new(false));
        let revoked = CancellationToken::new();
        state.viewers.insert(
            id,
            ViewerSlot {
                tx,
                lagging: lagging.clone(),
                user_id: user_id.clone(),
                revoked: revoked.clone(),
            },
        );
        let first = state.first_picture();
        let handle = ViewerHandle {
            id,
            rx,
            lagging,
            revoked,
        };
        (handle, first)
    }

    /// The revocation tokens of `user_id`'s viewer sockets on this share.
    fn viewers_of(&self, user_id: &UserId) -> Vec<CancellationToken> {
        lock(&self.inner)
            .viewers
            .values()
            .filter(|v| v.user_id == *user_id)
            .map(|v| v.revoked.clone())
            .collect()
    }

    /// The whole current picture, for a viewer that lagged behind.
    pub fn snapshot(&self) -> Vec<ToViewer> {
        lock(&self.inner).first_picture()
    }

    /// Detaches a viewer.
    pub fn detach_viewer(&self, relays: &Relays, share_id: &ShareId, id: u64) {
        lock(&self.inner).viewers.remove(&id);
        relays.forget_if_idle(share_id);
    }

    /// Applies a frame the sharer's node relayed and passes it on to this node's viewers;
    /// false if it does not apply (the tiles of a geometry this node has not seen yet).
    pub fn apply_remote(&self, frame: Bytes, limits: &LiveSettings) -> bool {
        let mut state = lock(&self.inner);
        if state.picture.apply(&frame, limits).is_err() {
            return false;
        }
        state.broadcast(ToViewer::Frame(frame));
        true
    }

    /// Records whether the sharer is connected to another node, telling viewers if it changed.
    pub fn set_remote_sharer(&self, online: bool) {
        let mut state = lock(&self.inner);
        if state.remote_sharer != online {
            state.remote_sharer = online;
            state.broadcast(ToViewer::Text(sharer_status(online)));
        }
    }

    /// The current picture as protocol frames (a geometry frame, then the tiles).
    pub fn picture(&self) -> Vec<Bytes> {
        lock(&self.inner).picture.snapshot()
    }

    /// Starts following the sharer's node with `start` unless the sharer is here or this
    /// relay follows already.
    pub fn follow_with(&self, start: impl FnOnce() -> AbortHandle) {
        let mut state = lock(&self.inner);
        if state.sharer.is_none() && state.following.is_none() {
            state.following = Some(start());
        }
    }

    fn stop_following(&self) {
        if let Some(following) = lock(&self.inner).following.take() {
            following.abort();
        }
    }

    /// Viewers attached right now.
    pub fn watching(&self) -> usize {
        lock(&self.inner).viewers.len()
    }

    /// Whether the sharer is connected right now.
    pub fn sharing(&self) -> bool {
        lock(&self.inner).sharer.is_some()
    }
}

impl RelayState {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn first_picture(&self) -> Vec<ToViewer> {
        let online = self.sharer.is_some() || self.remote_sharer;
        let mut out = vec![ToViewer::Text(sharer_status(online))];
        out.extend(self.picture.snapshot().into_iter().map(ToViewer::Frame));
        out
    }

    fn broadcast(&self, message: ToViewer) {
        for viewer in self.viewers.values() {
            if viewer.tx.try_send(message.clone()).is_err() {
                viewer.lagging.store(true, Ordering::Release);
            }
        }
    }
}

fn sharer_status(online: bool) -> Arc<str> {
    Arc::from(format!(r#"{{"type":"live.sharer","online":{online}}}"#))
}

/// The relay's locks guard plain data and no code panics while holding them; a poisoned
/// lock's data is still consistent, so it is used as is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
