//! A TCP relay in front of the store that can hold one request mid-flight: the request
//! neither fails nor reaches the store until the test lets it through, so a test can act
//! at a moment the service would otherwise pass in a few milliseconds.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the gate does with the bytes clients send.
#[derive(Clone, PartialEq)]
enum Phase {
    /// Everything passes.
    Open,
    /// The first request whose bytes hold this pattern is held.
    Armed(Vec<u8>),
    /// That request is held, with what follows it on its connection.
    Holding,
}

/// A relay to one upstream address.
pub struct Gate {
    addr: SocketAddr,
    phase: Arc<watch::Sender<Phase>>,
}

impl Gate {
    /// Relays connections made to [`Gate::addr`] to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind gate");
        let addr = listener.local_addr().expect("gate addr");
        let phase = Arc::new(watch::channel(Phase::Open).0);
        let shared = phase.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
        });
        Gate { addr, phase }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Holds the next request whose bytes contain `pattern` (e.g. part of its path).
    pub fn hold_next(&self, pattern: &str) {
        self.phase
            .send_replace(Phase::Armed(pattern.as_bytes().to_vec()));
    }

    /// Returns once a request is held.
    pub async fn holding(&self) {
        let mut phase = self.phase.subscribe();
        let _ = phase.wait_for(|p| *p == Phase::Holding).await;
    }

    /// Lets the held request through, and everything after it.
    pub fn release(&self) {
        self.phase.send_replace(Phase::Open);
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, phase: Arc<watch::Sender<Phase>>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
        let _ = to_client.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from_client.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let caught = matches!(&*phase.borrow(), Phase::Armed(p) if contains(chunk, p));
        if caught {
            phase.send_replace(Phase::Holding);
            let mut released = phase.subscribe();
            let _ = released.wait_for(|p| *p == Phase::Open).await;
        }
        if to_server.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = to_server.shutdown().await;
    let _ = back.await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
