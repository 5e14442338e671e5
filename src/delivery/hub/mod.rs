//! The online table of this node: user → connections (one per device) and group → online
//! members. Delivery never waits: each connection has a bounded queue, and a connection
//! whose queue is full is told to go (its `kick` token) instead of slowing the sender.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use bytestring::ByteString;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod events;
mod types;

use std::collections::VecDeque;

use super::Presence;
use crate::ids::{EventId, GroupId, RoomId, UserId};
pub use types::{ConnId, Outbound, Subscription};

struct Conn {
    tx: mpsc::Sender<Outbound>,
    kick: CancellationToken,
    /// Sync rooms this connection joined or sent to: it is closed if the right to one ends.
    rooms: HashSet<RoomId>,
    /// The events last offered to this connection, so the same one is not queued twice
    /// (it reaches a node by several paths); empty until the first event.
    events: VecDeque<EventId>,
}

#[derive(Default)]
struct UserEntry {
    conns: HashMap<ConnId, Conn>,
    groups: HashSet<GroupId>,
    shown: Option<Presence>,
}

#[derive(Default)]
struct Inner {
    users: HashMap<UserId, UserEntry>,
    groups: HashMap<GroupId, HashSet<UserId>>,
}

impl Inner {
    /// One connection of a user, if it is still registered.
    fn conn(&self, user_id: &UserId, conn_id: ConnId) -> Option<&Conn> {
        self.users.get(user_id)?.conns.get(&conn_id)
    }

    /// [`Inner::conn`], to change it.
    fn conn_mut(&mut self, user_id: &UserId, conn_id: ConnId) -> Option<&mut Conn> {
        self.users.get_mut(user_id)?.conns.get_mut(&conn_id)
    }
}

/// A registered connection: its id, its queue and the token that tells it to go.
pub struct Registration {
    pub id: ConnId,
    /// The queue's sending end, for replies that wait for room instead of kicking.
    pub tx: mpsc::Sender<Outbound>,
    pub rx: mpsc::Receiver<Outbound>,
    /// Cancelled when the connection's queue overflowed.
    pub kick: CancellationToken,
}

/// The in-process hub.
pub struct Hub {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    queue_frames: usize,
    subscriptions: OnceLock<mpsc::UnboundedSender<Subscription>>,
}

/// Most sync rooms one connection may be in, so a client cannot grow its entry unbounded.
pub const MAX_ROOMS_PER_CONN: usize = 32;

impl Hub {
    /// An empty hub whose connections queue at most `queue_frames` frames.
    pub fn new(queue_frames: usize) -> Hub {
        Hub {
            inner: Mutex::new(Inner::default()),
            next_id: AtomicU64::new(1),
            queue_frames: queue_frames.max(1),
            subscriptions: OnceLock::new(),
        }
    }

    /// Reports subscription changes to `tx` from now on (set once, by the Redis link).
    pub fn report_subscriptions(&self, tx: mpsc::UnboundedSender<Subscription>) {
        let _ = self.subscriptions.set(tx);
    }

    /// Called with the lock held, so changes reach Redis in the order they happened.
    fn report(&self, sub: Subscription) {
        if let Some(tx) = self.subscriptions.get() {
            let _ = tx.send(sub);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind, still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection of `user_id`, who belongs to `groups`.
    pub fn register(&self, user_id: &UserId, groups: Vec<GroupId>) -> Registration {
        let (tx, rx) = mpsc::channel(self.queue_frames);
        let kick = CancellationToken::new();
        let id = ConnId::new(self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut inner = self.lock();
        if !inner.users.contains_key(user_id) {
            self.report(Subscription::User(user_id.clone(), true));
        }
        for g in &groups {
            self.add_member(&mut inner, g, user_id);
        }
        let entry = inner.users.entry(user_id.clone()).or_default();
        entry.groups.extend(groups);
        entry.conns.insert(
            id,
            Conn {
                tx: tx.clone(),
                kick: kick.clone(),
                rooms: HashSet::new(),
                events: VecDeque::new(),
            },
        );
        Registration { id, tx, rx, kick }
    }

    /// Removes a connection; true if it was the user's last (they went offline).
    pub fn unregister(&self, user_id: &UserId, conn_id: ConnId) -> bool {
        let mut inner = self.lock();
        let Some(entry) = inner.users.get_mut(user_id) else {
            return false;
        };
        entry.conns.remove(&conn_id);
        if !entry.conns.is_empty() {
            return false;
        }
        let groups = std::mem::take(&mut entry.groups);
        for g in &groups {
            self.remove_member(&mut inner, g, user_id);
        }
        inner.users.remove(user_id);
        self.report(Subscription::User(user_id.clone(), false));
        true
    }

    /// Records that an online user joined a group (no-op if they are offline).
    pub fn join_group(&self, group_id: &GroupId, user_id: &UserId) {
        let mut inner = self.lock();
        let Some(entry) = inner.users.get_mut(user_id) else {
            return;
        };
        entry.groups.insert(group_id.clone());
        self.add_member(&mut inner, group_id, user_id);
    }

    /// Makes `groups` the groups an online user's connections get (no-op if offline): the
    /// memberships as the database has them, after this node may have missed changes.
    pub fn set_groups(&self, user_id: &UserId, groups: Vec<GroupId>) {
        let mut inner = self.lock();
        let Some(entry) = inner.users.get_mut(user_id) else {
            return;
        };
        let wanted: HashSet<GroupId> = groups.into_iter().collect();
        let held = std::mem::replace(&mut entry.groups, wanted.clone());
        for gone in held.difference(&wanted) {
            self.remove_member(&mut inner, gone, user_id);
        }
        for new in wanted.iter().filter(|g| !held.contains(*g)) {
            self.add_member(&mut inner, new, user_id);
        }
    }

    /// Records that a user left a group.
    pub fn leave_group(&self, group_id: &GroupId, user_id: &UserId) {
        let mut inner = self.lock();
        if let Some(entry) = inner.users.get_mut(user_id) {
            entry.groups.remove(group_id);
        }
        self.remove_member(&mut inner, group_id, user_id);
    }

    fn add_member(&self, inner: &mut Inner, group_id: &GroupId, user_id: &UserId) {
        let members = inner.groups.entry(group_id.clone()).or_default();
        if members.is_empty() {
            self.report(Subscription::Group(group_id.clone(), true));
        }
        members.insert(user_id.clone());
    }

    fn remove_member(&self, inner: &mut Inner, group_id: &GroupId, user_id: &UserId) {
        let Some(members) = inner.groups.get_mut(group_id) else {
            return;
        };
        members.remove(user_id);
        if members.is_empty() {
            inner.groups.remove(group_id);
            self.report(Subscription::Group(group_id.clone(), false));
        }
    }

    /// Queues `frame` on every connection of `user_id`; returns how many took it.
    pub fn send_to_user(&self, user_id: &UserId, frame: Outbound) -> usize {
        let inner = self.lock();
        inner.users.get(user_id).map_or(0, |e| offer(e, &frame))
    }

    /// Queues `frame` on every connection of the group's online members except `skip`
    /// (the sending connection, which has its ack).
    pub fn send_to_group(
        &self,
        group_id: &GroupId,
        frame: Outbound,
        skip: Option<ConnId>,
    ) -> usize {
        let inner = self.lock();
        let Some(members) = inner.groups.get(group_id) else {
            return 0;
        };
        members
            .iter()
            .filter_map(|u| inner.users.get(u))
            .flat_map(|e| e.conns.iter())
            .filter(|(id, c)| Some(**id) != skip && offer_one(c, frame.clone()))
            .count()
    }

    /// Queues `frame` on one connection only (replies: acks, errors, sync batches).
    pub fn send_to_conn(&self, user_id: &UserId, conn_id: ConnId, frame: Outbound) -> bool {
        let inner = self.lock();
        let Some(conn) = inner.conn(user_id, conn_id) else {
            return false;
        };
        offer_one(conn, frame)
    }

    /// Records that a connection is in a sync room; false if it is in as many as allowed.
    pub fn enter_room(&self, user_id: &UserId, conn_id: ConnId, room_id: &RoomId) -> bool {
        let mut inner = self.lock();
        let Some(conn) = inner.conn_mut(user_id, conn_id) else {
            return false;
        };
        if conn.rooms.len() >= MAX_ROOMS_PER_CONN && !conn.rooms.contains(room_id) {
            return false;
        }
        conn.rooms.insert(room_id.clone());
        true
    }

    /// Records that a connection is no longer in a sync room.
    pub fn leave_room(&self, user_id: &UserId, conn_id: ConnId, room_id: &RoomId) {
        let mut inner = self.lock();
        if let Some(conn) = inner.conn_mut(user_id, conn_id) {
            conn.rooms.remove(room_id);
        }
    }

    /// The user's connections that are in a sync room, with their rooms.
    pub fn rooms_of(&self, user_id: &UserId) -> Vec<(ConnId, Vec<RoomId>)> {
        let inner = self.lock();
        let Some(entry) = inner.users.get(user_id) else {
            return Vec::new();
        };
        entry
            .conns
            .iter()
            .filter(|(_, c)| !c.rooms.is_empty())
            .map(|(id, c)| (*id, c.rooms.iter().cloned().collect()))
            .collect()
    }

    /// Sends `last` to one connection and closes it with `why` behind it.
    pub fn close_conn(
        &self,
        user_id: &UserId,
        conn_id: ConnId,
        last: ByteString,
        why: &'static str,
    ) {
        let inner = self.lock();
        if let Some(conn) = inner.conn(user_id, conn_id) {
            // A full queue kicks the connection, which closes it all the same.
            if offer_one(conn, Outbound::Text(last)) {
                offer_one(conn, Outbound::Close(why));
            }
        }
    }

    /// Whether the user has a connection to this node.
    pub fn is_online(&self, user_id: &UserId) -> bool {
        self.lock().users.contains_key(user_id)
    }

    /// What others see of the user: their shown status while connected, else offline.
    pub fn shown(&self, user_id: &UserId) -> Presence {
        self.lock()
            .users
            .get(user_id)
            .and_then(|e| e.shown)
            .unwrap_or(Presence::Offline)
    }

    /// Sets what others see of an online user; true if it changed (friends must be told).
    pub fn set_shown(&self, user_id: &UserId, shown: Presence) -> bool {
        let mut inner = self.lock();
        let Some(entry) = inner.users.get_mut(user_id) else {
            return false;
        };
        let changed = entry.shown.unwrap_or(Presence::Offline) != shown;
        entry.shown = Some(shown);
        changed
    }

    /// The users connected to this node.
    pub fn online_users(&self) -> Vec<UserId> {
        self.lock().users.keys().cloned().collect()
    }

    /// Every user and group this node has online, as subscriptions to hold (after Redis
    /// came back, to subscribe them all again).
    pub fn held(&self) -> Vec<Subscription> {
        let inner = self.lock();
        let users = inner
            .users
            .keys()
            .map(|u| Subscription::User(u.clone(), true));
        let groups = inner
            .groups
            .keys()
            .map(|g| Subscription::Group(g.clone(), true));
        users.chain(groups).collect()
    }

    /// What this node's online users chose to show, for announcing it again.
    pub fn shown_here(&self) -> Vec<(UserId, Presence)> {
        let inner = self.lock();
        inner
            .users
            .iter()
            .filter_map(|(u, e)| e.shown.map(|shown| (u.clone(), shown)))
            .collect()
    }
}

fn offer(entry: &UserEntry, frame: &Outbound) -> usize {
    entry
        .conns
        .values()
        .filter(|c| offer_one(c, frame.clone()))
        .count()
}

fn offer_one(conn: &Conn, frame: Outbound) -> bool {
    match conn.tx.try_send(frame) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            conn.kick.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
