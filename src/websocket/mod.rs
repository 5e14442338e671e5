//! WebSockets taken out of the HTTP dispatcher once the handshake is done.
//!
//! actix-http hands every `Upgrade: websocket` request to [`upgrade::service`] together
//! with the TCP connection. The request is checked there like any other (who is asking,
//! then what they may open: the [`Endpoint`] of its path, from the table `startup.rs`
//! builds), answered with `101 Switching Protocols` or an error, and the bare socket goes
//! to the endpoint's task, split into a [`MessageStream`] (reading) and a [`Session`]
//! (writing). Upgrades get the span and metrics of HTTP requests, named by route.
//!
//! Why not keep the socket inside actix-web, as actix-ws does: the HTTP/1 dispatcher
//! keeps an 8 KiB read and an 8 KiB write buffer, its own task and a channel for every
//! connection as long as it is open. At tens of thousands of mostly idle sockets that was
//! most of the gateway's memory (BENCHMARKS.md, "Idle WebSockets"). Here a quiet socket
//! holds no buffer at all: bytes are read into a buffer made when they arrive and dropped
//! once every frame in it is taken, and a message is encoded into a buffer dropped once
//! written. Framing, masking and control frames are actix-http's WebSocket codec.
//!
//! Before any of that, a request must find room ([`limits`]): on the node, for its user
//! and for its client address, else it is refused with 503 or 429.

mod endpoints;
mod error;
mod limits;
mod reader;
mod socket;
mod upgrade;
mod writer;

pub use actix_http::ws::{CloseCode, CloseReason, ProtocolError};
pub use endpoints::{Accepted, Endpoint, Endpoints, SocketRequest};
pub use error::SocketRefused;
pub use limits::SocketLimit;
pub use reader::{Message, MessageStream};
pub use upgrade::{service, Upgrades};
pub use writer::{Closed, Session};

/// A close frame's reason: the code and a sentence saying why and what to do.
pub fn close_reason(code: CloseCode, why: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(why.to_owned()),
    })
}

/// The answer to a plain HTTP request for a WebSocket endpoint: 426, with the headers
/// that would have made it an upgrade.
pub fn upgrade_required() -> actix_web::HttpResponse {
    let why =
        "this endpoint opens a WebSocket: send `Connection: Upgrade` and `Upgrade: websocket`";
    let mut response = crate::error::json_error(
        actix_web::http::StatusCode::UPGRADE_REQUIRED,
        "upgrade_required",
        why,
    );
    response.headers_mut().insert(
        actix_web::http::header::UPGRADE,
        actix_web::http::header::HeaderValue::from_static("websocket"),
    );
    response
}
