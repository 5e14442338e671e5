//! The upgraded TCP connection, shared by its reader and its writer.

use std::sync::Arc;
use std::task::{Context, Waker};

use actix_web::rt::net::TcpStream;

use super::limits::Slot;

/// An upgraded connection. Reading and writing both go through `&TcpStream` (readiness,
/// then a non-blocking read or write), so the reader and the writer share it without a
/// lock; it closes when both have dropped it, and gives its slot back then.
pub(super) struct Socket {
    pub stream: TcpStream,
    slot: Slot,
}

impl Socket {
    pub fn new(stream: TcpStream, slot: Slot) -> Arc<Socket> {
        // Frames are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        forget_previous_owner(&stream);
        Arc::new(Socket { stream, slot })
    }

    /// The slot this socket holds in the node's limits.
    pub fn slot(&self) -> &Slot {
        &self.slot
    }
}

/// The HTTP dispatcher that read the handshake left its task's waker with the socket,
/// to be woken when more bytes came. A waker keeps its task's memory alive (the
/// dispatcher's was 4.6 KiB), and on a quiet socket nothing would ever wake and drop it:
/// asking for readiness with a no-op waker puts that in its place.
fn forget_previous_owner(stream: &TcpStream) {
    let mut cx = Context::from_waker(Waker::noop());
    let _ = stream.poll_read_ready(&mut cx);
    let _ = stream.poll_write_ready(&mut cx);
}
