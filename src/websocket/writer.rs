//! The writing side of an upgraded socket.

use std::sync::Arc;
use std::time::Duration;

use actix_codec::Encoder;
use actix_http::ws::{Codec, Message as WsMessage};
use bytes::{Buf, Bytes, BytesMut};
use bytestring::ByteString;

use super::socket::Socket;
use super::CloseReason;

/// How long a closed socket waits for the client to close its side too.
const LINGER: Duration = Duration::from_secs(2);

/// The socket was closed, or broke, before the message was written.
#[derive(Debug, thiserror::Error)]
#[error("the WebSocket is closed")]
pub struct Closed;

/// Writes messages to the client. Each is encoded into a buffer that is dropped once the
/// kernel has taken all of it, so a quiet socket holds no buffer.
///
/// Every method is cancel-safe: a write given up half-way (say, to a client that stopped
/// reading) leaves the rest of its frame here, and the next message goes out behind it,
/// so the stream never carries half a frame.
pub struct Session {
    socket: Arc<Socket>,
    codec: Codec,
    out: BytesMut,
    closed: bool,
}

impl Session {
    pub(super) fn new(socket: Arc<Socket>) -> Session {
        Session {
            socket,
            codec: Codec::new(),
            out: BytesMut::new(),
            closed: false,
        }
    }

    /// Cancelled when the server stops: the socket should then close with 1012
    /// ([`super::CloseCode::Restart`]).
    pub fn stopping(&self) -> tokio_util::sync::CancellationToken {
        self.socket.slot().stopping()
    }

    pub async fn text(&mut self, text: impl Into<ByteString>) -> Result<(), Closed> {
        self.send(WsMessage::Text(text.into())).await
    }

    pub async fn binary(&mut self, bytes: impl Into<Bytes>) -> Result<(), Closed> {
        self.send(WsMessage::Binary(bytes.into())).await
    }

    pub async fn ping(&mut self, bytes: &[u8]) -> Result<(), Closed> {
        self.send(WsMessage::Ping(Bytes::copy_from_slice(bytes)))
            .await
    }

    pub async fn pong(&mut self, bytes: &[u8]) -> Result<(), Closed> {
        self.send(WsMessage::Pong(Bytes::copy_from_slice(bytes)))
            .await
    }

    /// Sends a close frame and stops writing. The socket then stays open for a moment
    /// (in a task of its own, so the caller goes on) to read what the client still sends
    /// until it closes its side: a socket closed with the client's bytes unread would be
    /// reset, and the client could lose the close frame and its reason.
    pub async fn close(mut self, reason: Option<CloseReason>) -> Result<(), Closed> {
        self.send(WsMessage::Close(reason)).await?;
        let socket = self.socket.clone();
        let _ = rustix::net::shutdown(&socket.stream, rustix::net::Shutdown::Write);
        actix_web::rt::spawn(async move {
            let _ = tokio::time::timeout(LINGER, drain(&socket)).await;
        });
        Ok(())
    }

    async fn send(&mut self, message: WsMessage) -> Result<(), Closed> {
        if self.closed {
            return Err(Closed);
        }
        self.codec
            .encode(message, &mut self.out)
            .map_err(|_| Closed)?;
        self.flush().await
    }

    /// Writes out everything encoded so far.
    async fn flush(&mut self) -> Result<(), Closed> {
        let stream = &self.socket.stream;
        while !self.out.is_empty() {
            if stream.writable().await.is_err() {
                return self.broken();
            }
            match stream.try_write(&self.out) {
                Ok(0) => return self.broken(),
                Ok(n) => self.out.advance(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return self.broken(),
            }
        }
        self.out = BytesMut::new();
        Ok(())
    }

    fn broken(&mut self) -> Result<(), Closed> {
        self.closed = true;
        self.out = BytesMut::new();
        Err(Closed)
    }
}

/// Reads and drops what the client still sends until it closes its side.
async fn drain(socket: &Socket) {
    let mut scratch = [0u8; 1024];
    loop {
        if socket.stream.readable().await.is_err() {
            return;
        }
        match socket.stream.try_read(&mut scratch) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}
