//! The upgraded TCP connection, shared by its reader and its writer, and the node's limit
//! on how many may be open at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use actix_web::rt::net::TcpStream;

/// An upgraded connection. Reading and writing both go through `&TcpStream` (readiness,
/// then a non-blocking read or write), so the reader and the writer share it without a
/// lock; it closes when both have dropped it, and gives its slot back then.
pub(super) struct Socket {
    pub stream: TcpStream,
    _slot: Slot,
}

impl Socket {
    pub fn new(stream: TcpStream, slot: Slot) -> Arc<Socket> {
        // Frames are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        forget_previous_owner(&stream);
        Arc::new(Socket {
            stream,
            _slot: slot,
        })
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

/// How many WebSockets this node has open, and how many it accepts.
#[derive(Clone)]
pub struct SocketLimit {
    open: Arc<AtomicUsize>,
    max: usize,
}

impl SocketLimit {
    pub fn new(max: usize) -> SocketLimit {
        SocketLimit {
            open: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// A slot for one more socket, or None when the node is full.
    pub(super) fn take(&self) -> Option<Slot> {
        let taken = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .is_ok();
        taken.then(|| Slot(self.open.clone()))
    }

    /// Sockets open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Waits until every socket has closed, or `limit` has passed.
    pub async fn wait_closed(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One socket's place in the limit, given back on drop.
pub(super) struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
