//! A client that never reads is cut off; the other members keep getting messages at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app_with, Backend, TestUser};
use crate::ws::{group_send, handshake_request, ws_url, Ws};

const MESSAGES: usize = 2000;
const BODY_BYTES: usize = 3000;

/// A client whose socket has a tiny receive buffer and who never reads from it.
async fn connect_without_reading(address: &str, user: &TestUser) -> Ws {
    let req = handshake_request(&ws_url(address), Some(&user.token));
    let addr: std::net::SocketAddr = address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let (stream, _) =
        tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
            .await
            .expect("WebSocket connects");
    Ws { stream }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_cut_off_while_others_keep_up() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.realtime.rate_per_sec = 1_000_000;
        s.realtime.rate_burst = 1_000_000;
    })
    .await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob, &carol]).await;
    let mut slow = connect_without_reading(&app.address, &carol).await;
    let b = Ws::connect(&app, &bob).await;
    let a = Ws::connect(&app, &alice).await;

    // When each message was acked to the sender, to measure how late the fast reader is.
    let acked_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; MESSAGES + 1]));
    let (mut a_tx, mut a_rx) = a.stream.split();
    let acks = {
        let acked_at = acked_at.clone();
        tokio::spawn(async move {
            let mut count = 0;
            while count < MESSAGES {
                let Some(Ok(Message::Text(t))) = a_rx.next().await else {
                    continue;
                };
                let frame: Value = serde_json::from_str(&t).unwrap();
                if frame["type"] == "ack" {
                    let seq = frame["seq"].as_u64().unwrap() as usize;
                    acked_at.lock().unwrap()[seq] = Some(Instant::now());
                    count += 1;
                }
            }
        })
    };
    let fast = tokio::spawn(async move {
        let mut b = b;
        let mut late = Duration::ZERO;
        for expected in 1..=MESSAGES {
            let frame = b.expect("group.message").await;
            assert_eq!(frame["seq"].as_u64(), Some(expected as u64));
            if let Some(at) = acked_at.lock().unwrap()[expected] {
                late = late.max(at.elapsed());
            }
        }
        late
    });
    let body = "x".repeat(BODY_BYTES);
    for i in 1..=MESSAGES {
        let frame = group_send(&group, &body, &i.to_string());
        a_tx.send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }
    tokio::time::timeout(Duration::from_secs(60), acks)
        .await
        .expect("every message is acked")
        .unwrap();
    let late = tokio::time::timeout(Duration::from_secs(30), fast)
        .await
        .expect("the fast reader got all")
        .unwrap();
    assert!(
        late < Duration::from_secs(2),
        "the fast reader lagged {late:?} behind the acks"
    );

    let close = slow.closed_by_server(Duration::from_secs(30)).await;
    let close = close.expect("the slow client gets a close frame with a reason");
    assert_eq!(close.code, CloseCode::Policy, "{close:?}");
    assert!(close.reason.contains("too slow"), "{close:?}");
}
