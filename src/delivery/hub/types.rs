//! The hub's vocabulary: what a connection is sent, how connections are numbered, and the
//! subscription changes it reports to the Redis link.

use bytestring::ByteString;

use crate::ids::{GroupId, UserId};

/// What a connection's writer sends.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A JSON text frame, shared between every connection it fans out to (a clone is a
    /// reference count; each connection copies it once, as it writes it to its socket).
    Text(ByteString),
    /// A WebSocket ping (heartbeat).
    Ping,
    /// The answer to a client's ping.
    Pong(bytes::Bytes),
    /// Close the connection (policy violation) with this reason, after what is queued.
    Close(&'static str),
}

/// A change in what this node has online, for the Redis subscriptions: `true` when the
/// first connection of a user / first online member of a group arrives, `false` when the
/// last one leaves.
#[derive(Debug, Clone)]
pub enum Subscription {
    User(UserId, bool),
    Group(GroupId, bool),
    /// A topic (see [`crate::delivery::TopicListener`]): first listener / last one gone.
    Topic(String, bool),
}

/// One connection to this node, as the hub numbers them (never reused while it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnId(u64);

impl ConnId {
    pub(super) fn new(n: u64) -> ConnId {
        ConnId(n)
    }
}

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
