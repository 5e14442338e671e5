//! The WebSocket upgrade path itself (`imshare::websocket`): what a request that is not
//! an upgrade, or is one for no endpoint, gets; the node's socket limit; messages in
//! continuation frames; and bytes a client sends right behind its handshake.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::ws::{group_send, try_open, ws_url, Ws, WAIT};

/// A handshake's answer when it is refused: the status and the JSON error body.
async fn refused(url: &str, token: Option<&str>) -> (u16, Value) {
    let Err(refusal) = try_open(url, token).await else {
        panic!("{url} was upgraded");
    };
    let status = refusal.status().as_u16();
    let body = refusal.into_body().expect("the refusal has a body");
    (
        status,
        serde_json::from_slice(&body).expect("a JSON error body"),
    )
}

#[tokio::test]
async fn a_plain_request_is_told_to_upgrade() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    for path in ["/v1/ws", "/v1/live-shares/some-share/ws"] {
        let res = app.get(path, &alice.token).await;
        assert_eq!(res.status(), StatusCode::UPGRADE_REQUIRED, "{path}");
        assert_eq!(res.headers()["upgrade"], "websocket", "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "upgrade_required", "{path}");
    }
}

#[tokio::test]
async fn refusals_come_before_the_upgrade_with_a_json_error() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let base = app.address.replacen("http://", "ws://", 1);
    let (status, body) = refused(&format!("{base}/v1/nowhere"), Some(&alice.token)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, body) = refused(&ws_url(&app.address), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, body) = refused(&ws_url(&app.address), Some("not-a-token")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_token"))
    );
}

#[tokio::test]
async fn the_node_refuses_sockets_over_its_limit_and_frees_their_slots() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.realtime.max_sockets = 2).await;
    let alice = app.create_user("alice").await;
    let first = Ws::connect(&app, &alice).await;
    let _second = Ws::connect(&app, &alice).await;
    let (status, body) = refused(&ws_url(&app.address), Some(&alice.token)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("busy"))
    );
    first.close().await;
    // The slot comes back once the server has let go of the closed socket.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if try_open(&ws_url(&app.address), Some(&alice.token))
            .await
            .is_ok()
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed socket's slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_message_in_continuation_frames_is_put_together() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let group = app.create_group(&alice, &[]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let text = group_send(&group, "in three pieces", "frag-1").to_string();
    let (head, rest) = text.split_at(10);
    let (middle, tail) = rest.split_at(10);
    let frames = [
        Frame::message(head.to_owned(), OpCode::Data(Data::Text), false),
        Frame::message(middle.to_owned(), OpCode::Data(Data::Continue), false),
        Frame::message(tail.to_owned(), OpCode::Data(Data::Continue), true),
    ];
    for frame in frames {
        a.stream
            .send(Message::Frame(frame))
            .await
            .expect("frame sent");
    }
    let ack = a.expect("ack").await;
    assert_eq!(ack["client_msg_id"], "frag-1");
    assert_eq!(ack["seq"], 1);
}

#[tokio::test]
async fn continuation_frames_over_the_size_limit_close_the_socket() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.realtime.max_frame_bytes = 1000).await;
    let alice = app.create_user("alice").await;
    let mut a = Ws::connect(&app, &alice).await;
    // Each frame is under the limit; together they are not.
    let piece = "x".repeat(600);
    let first = Frame::message(piece.clone(), OpCode::Data(Data::Text), false);
    let second = Frame::message(piece, OpCode::Data(Data::Continue), false);
    a.stream
        .send(Message::Frame(first))
        .await
        .expect("frame sent");
    let _ = a.stream.send(Message::Frame(second)).await;
    let close = a
        .closed_by_server(WAIT)
        .await
        .expect("a close frame with a reason");
    assert_eq!(u16::from(close.code), 1009, "{close:?}");
}

/// A client may send its first frame in the same packet as its handshake; the HTTP
/// layer has read it by then, and it must reach the socket's reader, not be dropped.
#[tokio::test]
async fn a_frame_sent_with_the_handshake_is_read() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let mut tcp = connect_tcp(&app).await;
    let host = app.address.trim_start_matches("http://");
    let handshake = format!(
        "GET /v1/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Authorization: Bearer {}\r\n\r\n",
        alice.token
    );
    let mut bytes = handshake.into_bytes();
    bytes.extend(masked_ping(b"hey!"));
    tcp.write_all(&bytes).await.unwrap();
    let head = read_response_head(&mut tcp).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let mut ws = WebSocketStream::from_raw_socket(tcp, Role::Client, None).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the pong arrives")
            .expect("the socket stays open")
            .expect("a valid frame");
        if let Message::Pong(payload) = msg {
            assert_eq!(&payload[..], b"hey!");
            break;
        }
    }
}

async fn connect_tcp(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("the app accepts TCP")
}

/// A client's ping frame: FIN + ping opcode, masked as clients must.
fn masked_ping(payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x89, 0x80 | payload.len() as u8];
    frame.extend(mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Reads the HTTP response head byte by byte, so no frame behind it is consumed.
async fn read_response_head(tcp: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(WAIT, tcp.read_u8())
            .await
            .expect("the answer arrives")
            .expect("the connection stays open");
        head.push(byte);
    }
    String::from_utf8(head).expect("an ASCII head")
}
