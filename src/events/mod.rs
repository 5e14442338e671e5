//! Events for a user: `media.ready`/`media.failed` (from the transcode), `app.message`
//! (app pushes), `friend.request` and `friend.accepted`. Each is stored first, under a
//! stable [`EventId`], and is owed to the user until one of their sockets acks it
//! (`event.ack {event_ids}`): it is offered at once to every socket the user has on any
//! node, offered again by each node's poll while it is fresh, and again on each new
//! connection until acked, so a frame lost with a dropped socket is sent again. Clients
//! drop duplicates by `event_id`.

mod kind;
mod send;
mod store;

pub use kind::EventKind;
pub use send::{backlog, run_poll, send};
pub use store::{ack, record, Event, MAX_ACK_IDS};
