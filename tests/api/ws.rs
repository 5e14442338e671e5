//! A WebSocket test client for `GET /v1/ws`, reading and writing the JSON frames.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::Response;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{TestApp, TestUser};

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(15);

/// A client's end of a WebSocket.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The HTTP answer to a refused handshake, with its body.
pub type Refusal = Response<Option<Vec<u8>>>;

/// A connected client.
pub struct Ws {
    pub stream: WsStream,
}

/// A handshake request for `url`, with `token` (if any) in the `Authorization` header.
pub fn handshake_request(url: &str, token: Option<&str>) -> Request {
    let mut req = url.into_client_request().expect("a ws request");
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().expect("header");
        req.headers_mut().insert("Authorization", value);
    }
    req
}

/// Opens a WebSocket, or returns the HTTP answer the server refused the handshake with.
pub async fn try_open(url: &str, token: Option<&str>) -> Result<WsStream, Refusal> {
    match tokio_tungstenite::connect_async(handshake_request(url, token)).await {
        Ok((stream, _)) => Ok(stream),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(*res),
        Err(e) => panic!("the handshake failed without an HTTP answer: {e}"),
    }
}

/// The ws:// URL of an http:// address.
pub fn ws_url(address: &str) -> String {
    format!("{}/v1/ws", address.replacen("http://", "ws://", 1))
}

impl Ws {
    /// Connects as `user` with the token in the `Authorization` header.
    pub async fn connect(app: &TestApp, user: &TestUser) -> Ws {
        Ws::connect_to(&app.address, &user.token).await
    }

    /// Connects to the service at `address` (http://…) with `token` in the header.
    pub async fn connect_to(address: &str, token: &str) -> Ws {
        let stream = try_open(&ws_url(address), Some(token))
            .await
            .unwrap_or_else(|res| panic!("the WebSocket was refused with {}", res.status()));
        Ws { stream }
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("frame sent");
    }

    /// The next JSON frame, or None if the socket closed or `limit` passed.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??
                .ok()?;
            match msg {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("server frames are JSON"))
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next frame of type `kind`, skipping others; panics after [`WAIT`].
    pub async fn expect(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(frame) if frame["type"] == kind => return frame,
                Some(_) => continue,
                None => panic!("no {kind} frame arrived"),
            }
        }
    }

    /// Asserts no frame of type `kind` arrives within `limit`.
    pub async fn expect_no(&mut self, kind: &str, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(frame) if frame["type"] == kind => panic!("unexpected {kind} frame: {frame}"),
                Some(_) => continue,
                None => return,
            }
        }
    }

    /// Reads until the server closes; returns its close frame, if it sent one.
    pub async fn closed_by_server(&mut self, limit: Duration) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return None,
                Err(_) => panic!("the server did not close the connection within {limit:?}"),
            }
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// A `group.send` frame.
pub fn group_send(group_id: &str, body: &str, client_msg_id: &str) -> Value {
    serde_json::json!({"type": "group.send", "group_id": group_id, "body": body, "client_msg_id": client_msg_id})
}

impl TestApp {
    /// Creates a group owned by `owner` with `members` (each befriended with the owner first).
    pub async fn create_group(&self, owner: &TestUser, members: &[&TestUser]) -> String {
        let res = self
            .post(
                "/v1/groups",
                &owner.token,
                serde_json::json!({"name": "the band"}),
            )
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for m in members {
            self.befriend(owner, m).await;
            let res = self
                .post(
                    &format!("/v1/groups/{id}/members"),
                    &owner.token,
                    serde_json::json!({"user_id": m.id}),
                )
                .await;
            assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
        }
        id
    }
}
