//! The reading side of an upgraded socket: whole messages, continuation frames put
//! together, with a size limit.

use std::sync::Arc;

use actix_codec::Decoder;
use actix_http::ws::{Codec, Frame, Item};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;

use super::socket::Socket;
use super::{CloseReason, ProtocolError};

/// How much is read at once when the socket has data.
const READ_CHUNK: usize = 4096;
/// The size limit until [`MessageStream::max_size`] sets another.
const DEFAULT_MAX_SIZE: usize = 64 * 1024;

/// A whole message from the client.
#[derive(Debug)]
pub enum Message {
    Text(ByteString),
    Binary(Bytes),
    Ping(Bytes),
    Pong(Bytes),
    Close(Option<CloseReason>),
}

/// Messages from the client. A quiet client costs no buffer: bytes are read into one
/// made when they arrive, and it is dropped as soon as every frame in it is taken.
pub struct MessageStream {
    socket: Arc<Socket>,
    codec: Codec,
    max_size: usize,
    buf: BytesMut,
    partial: Option<Partial>,
}

/// A message arriving in continuation frames.
struct Partial {
    text: bool,
    bytes: BytesMut,
}

impl MessageStream {
    /// `leftover` is what the client sent right behind its handshake, if anything.
    pub(super) fn new(socket: Arc<Socket>, leftover: BytesMut) -> MessageStream {
        MessageStream {
            socket,
            codec: Codec::new().max_size(DEFAULT_MAX_SIZE),
            max_size: DEFAULT_MAX_SIZE,
            buf: leftover,
            partial: None,
        }
    }

    /// Largest message accepted, whole or put together from continuation frames; a
    /// larger one ends the stream with [`ProtocolError::Overflow`].
    pub fn max_size(mut self, bytes: usize) -> MessageStream {
        self.codec = Codec::new().max_size(bytes);
        self.max_size = bytes;
        self
    }

    /// The next message; `None` once the client has gone. Cancel-safe: nothing read is
    /// lost when the future is dropped, so it can sit in a `select!`.
    pub async fn recv(&mut self) -> Option<Result<Message, ProtocolError>> {
        loop {
            match self.decode() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            if self.buf.is_empty() {
                self.buf = BytesMut::new();
            }
            // A socket error means the peer is gone, as an end of stream does.
            self.socket.stream.readable().await.ok()?;
            self.buf.reserve(READ_CHUNK);
            match self.socket.stream.try_read_buf(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
        }
    }

    /// The next whole message in what was read so far.
    fn decode(&mut self) -> Result<Option<Message>, ProtocolError> {
        while let Some(frame) = self.codec.decode(&mut self.buf)? {
            let message = match frame {
                Frame::Text(bytes) => Message::Text(utf8(bytes)?),
                Frame::Binary(bytes) => Message::Binary(bytes),
                Frame::Ping(bytes) => Message::Ping(bytes),
                Frame::Pong(bytes) => Message::Pong(bytes),
                Frame::Close(reason) => Message::Close(reason),
                Frame::Continuation(item) => match self.continue_with(item)? {
                    Some(message) => message,
                    None => continue,
                },
            };
            return Ok(Some(message));
        }
        Ok(None)
    }

    /// Adds a continuation frame; the whole message once its last frame is in. The codec
    /// has already refused frames out of order.
    fn continue_with(&mut self, item: Item) -> Result<Option<Message>, ProtocolError> {
        let (start, bytes, last) = match item {
            Item::FirstText(bytes) => (Some(true), bytes, false),
            Item::FirstBinary(bytes) => (Some(false), bytes, false),
            Item::Continue(bytes) => (None, bytes, false),
            Item::Last(bytes) => (None, bytes, true),
        };
        if let Some(text) = start {
            let bytes = BytesMut::new();
            self.partial = Some(Partial { text, bytes });
        }
        let partial = self
            .partial
            .as_mut()
            .ok_or(ProtocolError::ContinuationNotStarted)?;
        if partial.bytes.len() + bytes.len() > self.max_size {
            return Err(ProtocolError::Overflow);
        }
        partial.bytes.extend_from_slice(&bytes);
        if !last {
            return Ok(None);
        }
        let Some(Partial { text, bytes }) = self.partial.take() else {
            return Ok(None);
        };
        let bytes = bytes.freeze();
        Ok(Some(if text {
            Message::Text(utf8(bytes)?)
        } else {
            Message::Binary(bytes)
        }))
    }
}

fn utf8(bytes: Bytes) -> Result<ByteString, ProtocolError> {
    ByteString::try_from(bytes).map_err(|_| {
        ProtocolError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a text frame was not UTF-8",
        ))
    })
}
