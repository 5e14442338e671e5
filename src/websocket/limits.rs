//! How many WebSockets may be open: on the node, per user, per client address. A socket
//! holds a [`Slot`] for as long as it is open; the slot gives its places back on drop.
//!
//! The node's cap comes from the file-descriptor limit as much as from the setting: every
//! socket is a descriptor, and a node that runs out of them can no longer accept HTTP,
//! reach its database or its store (a user once opened sockets until `accept` failed and
//! `/healthz` timed out). So the soft limit is raised to the hard one at start, and the cap
//! leaves room below it for everything else.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_http::RequestHead;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::SocketRefused;
use crate::config::Settings;
use crate::ids::UserId;
use crate::net::client_ip::client_ip_of;
use crate::net::NetList;

/// Sockets a node keeps open at most, whatever the descriptor limit allows.
const MAX_PERMITS: usize = u32::MAX as usize >> 3;

/// The node's, each user's and each address's share of WebSockets.
#[derive(Clone)]
pub struct SocketLimit {
    node: Arc<Semaphore>,
    max: usize,
    per_user: usize,
    per_address: usize,
    users: Arc<Counts<UserId>>,
    addresses: Arc<Counts<IpAddr>>,
    /// Cancelled when the server stops: every socket then closes with 1012.
    stopping: CancellationToken,
}

impl SocketLimit {
    /// Limits from `realtime.*`, with the node's cap fitted under the descriptor limit.
    pub fn from_settings(settings: &Settings) -> SocketLimit {
        let realtime = &settings.realtime;
        let reserve = u64::from(settings.database.max_connections) + realtime.reserved_fds;
        let max = match raise_nofile() {
            Some(nofile) => {
                let max = node_capacity(realtime.max_sockets, nofile, reserve);
                if max < realtime.max_sockets {
                    tracing::warn!(nofile, reserve, max_sockets = max,
                        "the file-descriptor limit caps WebSockets below realtime.max_sockets; raise `ulimit -n` (hard) for more");
                } else {
                    tracing::info!(nofile, max_sockets = max, "WebSocket capacity");
                }
                max
            }
            None => realtime.max_sockets,
        };
        SocketLimit::new(
            max,
            realtime.max_sockets_per_user,
            realtime.max_sockets_per_ip,
        )
    }

    /// Limits of `max` sockets on the node, `per_user` for one user and `per_address`
    /// from one client address.
    pub fn new(max: usize, per_user: usize, per_address: usize) -> SocketLimit {
        let max = max.min(MAX_PERMITS);
        SocketLimit {
            node: Arc::new(Semaphore::new(max)),
            max,
            per_user,
            per_address,
            users: Arc::default(),
            addresses: Arc::default(),
            stopping: CancellationToken::new(),
        }
    }

    /// A place on the node and for the client's address, taken before anything else is
    /// looked at; the user's place is added once they are known ([`Slot::for_user`]).
    pub(super) fn take(&self, address: Option<IpAddr>) -> Result<Slot, SocketRefused> {
        let node = self
            .node
            .clone()
            .try_acquire_owned()
            .map_err(|_| SocketRefused::NodeFull)?;
        let address = match address {
            Some(key) => Some(Held::take(&self.addresses, key, self.per_address).ok_or(
                SocketRefused::TooManyFromAddress {
                    max: self.per_address,
                },
            )?),
            None => None,
        };
        Ok(Slot {
            _node: node,
            _address: address,
            _user: None,
            limit: self.clone(),
        })
    }

    /// Tells every socket to close because the service restarts.
    pub fn shut_down(&self) {
        self.stopping.cancel();
    }

    /// Waits until every socket has closed, or `limit` has passed.
    pub async fn wait_closed(&self, limit: Duration) {
        // All places back means no socket is left; `max` fits in u32 (see MAX_PERMITS).
        let all = u32::try_from(self.max).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(limit, self.node.acquire_many(all)).await;
    }
}

/// One socket's places in the limits, given back on drop.
pub(super) struct Slot {
    _node: OwnedSemaphorePermit,
    _address: Option<Held<IpAddr>>,
    _user: Option<Held<UserId>>,
    limit: SocketLimit,
}

impl Slot {
    /// Cancelled when the server stops.
    pub fn stopping(&self) -> CancellationToken {
        self.limit.stopping.clone()
    }

    /// Adds the user's place; refused when they already hold as many sockets as allowed.
    pub fn for_user(mut self, user_id: &UserId) -> Result<Slot, SocketRefused> {
        let max = self.limit.per_user;
        let held = Held::take(&self.limit.users, user_id.clone(), max)
            .ok_or(SocketRefused::TooManyForUser { max })?;
        self._user = Some(held);
        Ok(self)
    }
}

/// The key a socket is counted under: the TCP peer, or the client a trusted proxy names
/// (`server.trusted_proxies`), keyed as every other per-client limit is.
pub(super) fn client_address(
    peer: Option<SocketAddr>,
    head: &RequestHead,
    trusted: &NetList,
) -> Option<IpAddr> {
    peer.map(|p| client_ip_of(p.ip(), &head.headers, trusted).limit_key())
}

/// How many sockets each key (user, address) holds.
struct Counts<K>(Mutex<HashMap<K, usize>>);

impl<K> Default for Counts<K> {
    fn default() -> Self {
        Counts(Mutex::new(HashMap::new()))
    }
}

impl<K> Counts<K> {
    fn lock(&self) -> MutexGuard<'_, HashMap<K, usize>> {
        // Plain counters: a panic elsewhere cannot leave them half-changed.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A key's place in [`Counts`], given back on drop; a key at zero is forgotten.
struct Held<K: Eq + Hash> {
    counts: Arc<Counts<K>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Held<K> {
    fn take(counts: &Arc<Counts<K>>, key: K, max: usize) -> Option<Held<K>> {
        let mut map = counts.lock();
        let held = map.entry(key.clone()).or_insert(0);
        if *held >= max {
            return None;
        }
        *held += 1;
        Some(Held {
            counts: counts.clone(),
            key,
        })
    }
}

impl<K: Eq + Hash> Drop for Held<K> {
    fn drop(&mut self) {
        let mut map = self.counts.lock();
        if let Some(held) = map.get_mut(&self.key) {
            *held -= 1;
            if *held == 0 {
                map.remove(&self.key);
            }
        }
    }
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force
/// (None: unlimited or unknown).
fn raise_nofile() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, soft = ?limit.current, hard = ?limit.maximum,
                "could not raise the file-descriptor soft limit to the hard limit");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// Sockets a node with `nofile` descriptors may open: the configured cap, or fewer so
/// `reserve` descriptors (HTTP, the database pool, the store, files) stay free. A limit so
/// low that the reserve would take most of it is split in half instead.
fn node_capacity(max_sockets: usize, nofile: u64, reserve: u64) -> usize {
    let reserve = reserve.min(nofile / 2);
    let room = usize::try_from(nofile - reserve).unwrap_or(usize::MAX);
    max_sockets.min(room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_cap_leaves_descriptors_for_everything_else() {
        assert_eq!(node_capacity(100_000, 20_000, 1_040), 18_960);
        assert_eq!(node_capacity(5_000, 1_048_576, 1_040), 5_000);
        assert_eq!(
            node_capacity(100_000, 1_024, 1_040),
            512,
            "a tiny limit is halved"
        );
        assert_eq!(node_capacity(100_000, 0, 1_040), 0);
    }

    #[test]
    fn places_come_back_when_slots_drop() {
        let limit = SocketLimit::new(3, 2, 10);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        let (u, v) = (UserId::from("u"), UserId::from("v"));
        let a = limit.take(ip).unwrap().for_user(&u).unwrap();
        let b = limit.take(ip).unwrap().for_user(&u).unwrap();
        assert!(matches!(
            limit.take(ip).unwrap().for_user(&u),
            Err(SocketRefused::TooManyForUser { max: 2 })
        ));
        let c = limit.take(ip).unwrap().for_user(&v).unwrap();
        assert!(matches!(limit.take(ip), Err(SocketRefused::NodeFull)));
        assert_eq!(limit.node.available_permits(), 0);
        drop((a, b, c));
        assert_eq!(limit.node.available_permits(), 3);
        assert!(limit.users.lock().is_empty() && limit.addresses.lock().is_empty());
    }

    #[test]
    fn one_address_has_its_own_cap() {
        let limit = SocketLimit::new(10, 10, 2);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        let _held = [limit.take(ip).unwrap(), limit.take(ip).unwrap()];
        assert!(matches!(
            limit.take(ip),
            Err(SocketRefused::TooManyFromAddress { max: 2 })
        ));
        assert!(limit.take(Some(IpAddr::from([10, 0, 0, 2]))).is_ok());
    }
}
