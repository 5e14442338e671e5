//! What crosses Redis, and on which channel.
//!
//! - `imshare:u:{user}` / `imshare:g:{group}`: a JSON [`Envelope`] with a text frame for
//!   the user's or group's connections; an event's frame names its event, so a node offers
//!   it once per connection.
//! - `imshare:t:{topic}`: bytes for a topic's listeners, behind the origin node's 16-byte id.
//! - `imshare:cluster`: a JSON [`Control`]: a change every node applies (a member joined
//!   a group, a right ended).

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::super::hub::Subscription;
use super::super::Revoked;
use crate::ids::{EventId, GroupId, UserId};

/// The channel every node subscribes to, for [`Control`] messages.
pub const CONTROL: &str = "imshare:cluster";

/// A text frame for a user's or a group's connections.
#[derive(Serialize, Deserialize)]
pub struct Envelope {
    pub origin: String,
    pub frame: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventId>,
}

/// A change that every node applies to what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// An online member joined a group: their connections get its messages from now on.
    Joined { group_id: GroupId, user_id: UserId },
    /// A right ended: close what rested on it.
    Revoked(Revoked),
}

/// A [`Change`] and the node that made it.
#[derive(Serialize, Deserialize)]
pub struct Control {
    pub origin: String,
    pub change: Change,
}

/// Where a message is headed.
pub enum Channel<'a> {
    User(UserId),
    Group(GroupId),
    Topic(&'a str),
    Control,
}

/// The channel of a user.
pub fn user_channel(user_id: &UserId) -> String {
    format!("imshare:u:{user_id}")
}

/// The channel of a group.
pub fn group_channel(group_id: &GroupId) -> String {
    format!("imshare:g:{group_id}")
}

/// The channel of a topic.
pub fn topic_channel(topic: &str) -> String {
    format!("imshare:t:{topic}")
}

/// The channel a subscription change is about, and whether to subscribe or unsubscribe.
pub fn channel_of(sub: &Subscription) -> (String, bool) {
    match sub {
        Subscription::User(id, on) => (user_channel(id), *on),
        Subscription::Group(id, on) => (group_channel(id), *on),
        Subscription::Topic(topic, on) => (topic_channel(topic), *on),
    }
}

/// Which channel a name is (the names this node subscribed to; see [`channel_of`]).
pub fn parse(name: &str) -> Option<Channel<'_>> {
    if name == CONTROL {
        return Some(Channel::Control);
    }
    if let Some(user) = name.strip_prefix("imshare:u:") {
        return Some(Channel::User(UserId::from(user)));
    }
    if let Some(group) = name.strip_prefix("imshare:g:") {
        return Some(Channel::Group(GroupId::from(group)));
    }
    name.strip_prefix("imshare:t:").map(Channel::Topic)
}

/// A topic message: the origin's id, then the bytes.
pub fn topic_message(origin: &uuid::Uuid, message: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(16 + message.len());
    out.put_slice(origin.as_bytes());
    out.put_slice(message);
    out.freeze()
}

/// The origin and bytes of a topic message.
pub fn split_topic_message(raw: Vec<u8>) -> Option<(uuid::Uuid, Bytes)> {
    if raw.len() < 16 {
        return None;
    }
    let mut raw = Bytes::from(raw);
    let origin = uuid::Uuid::from_slice(&raw.split_to(16)).ok()?;
    Some((origin, raw))
}
