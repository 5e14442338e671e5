//! A client of a live share's socket, `GET /v1/live-shares/{id}/ws`: binary tile frames
//! out and in, JSON status and error lines in.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use imshare::live::protocol::{self, Frame, Geometry, Tile, TileFormat};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::TestApp;
use crate::ws::{try_open, WsStream, WAIT};

/// Tiles as large as the service's default limit allows.
pub const MAX_TILE: usize = 262_144;

/// What the server sent.
#[derive(Debug)]
pub enum Received {
    Frame(Vec<u8>),
    Text(Value),
}

/// A connected sharer or viewer.
pub struct LiveWs {
    stream: WsStream,
}

/// The socket's URL; `watch` makes the owner a viewer.
pub fn live_url(app: &TestApp, share: &str, watch: bool) -> String {
    let base = app.address.replacen("http://", "ws://", 1);
    let query = if watch { "?watch=true" } else { "" };
    format!("{base}/v1/live-shares/{share}/ws{query}")
}

impl LiveWs {
    /// Connects with `token`, or returns the HTTP status the handshake was refused with.
    pub async fn try_connect(url: &str, token: Option<&str>) -> Result<LiveWs, u16> {
        match try_open(url, token).await {
            Ok(stream) => Ok(LiveWs { stream }),
            Err(refusal) => Err(refusal.status().as_u16()),
        }
    }

    /// Connects, panicking if refused.
    pub async fn connect(app: &TestApp, share: &str, token: &str, watch: bool) -> LiveWs {
        LiveWs::connect_to(&app.address, share, token, watch).await
    }

    /// Connects to the node at `address` (`http://…`), panicking if refused.
    pub async fn connect_to(address: &str, share: &str, token: &str, watch: bool) -> LiveWs {
        let base = address.replacen("http://", "ws://", 1);
        let query = if watch { "?watch=true" } else { "" };
        let url = format!("{base}/v1/live-shares/{share}/ws{query}");
        LiveWs::try_connect(&url, Some(token))
            .await
            .unwrap_or_else(|status| panic!("the share's socket refused with {status}"))
    }

    /// Sends raw bytes as one binary message.
    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.stream
            .send(Message::Binary(bytes.into()))
            .await
            .expect("frame sent");
    }

    /// Sends a text message (not part of the protocol).
    pub async fn stream_text(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.to_owned().into()))
            .await
            .expect("text sent");
    }

    /// Sends a geometry frame.
    pub async fn send_geometry(&mut self, width: u16, height: u16, tile_size: u16) {
        let g = Geometry {
            width,
            height,
            tile_size,
        };
        self.send_bytes(protocol::encode(&Frame::Geometry(g))).await;
    }

    /// Sends a tiles frame of PNG-marked tiles `(index, bytes)`.
    pub async fn send_tiles(&mut self, tiles: &[(u32, Vec<u8>)]) {
        self.send_bytes(tiles_frame(tiles)).await;
    }

    /// The next message, or None if the socket closed or `limit` passed.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??
                .ok()?;
            match msg {
                Message::Binary(bytes) => return Some(Received::Frame(bytes.to_vec())),
                Message::Text(text) => {
                    return Some(Received::Text(serde_json::from_str(&text).expect("JSON")))
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next binary frame, skipping status lines; panics after [`WAIT`].
    pub async fn expect_frame(&mut self) -> Vec<u8> {
        loop {
            match self.next_within(WAIT).await {
                Some(Received::Frame(bytes)) => return bytes,
                Some(Received::Text(_)) => continue,
                None => panic!("no binary frame arrived"),
            }
        }
    }

    /// The next JSON line of type `kind`, skipping frames and other lines.
    pub async fn expect_text(&mut self, kind: &str) -> Value {
        loop {
            match self.next_within(WAIT).await {
                Some(Received::Text(v)) if v["type"] == kind => return v,
                Some(_) => continue,
                None => panic!("no {kind} line arrived"),
            }
        }
    }

    /// Asserts that no binary frame arrives within `limit`.
    pub async fn expect_no_frame(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(Received::Frame(bytes)) => panic!("unexpected frame of {} bytes", bytes.len()),
                Some(Received::Text(_)) => continue,
                None => return,
            }
        }
    }

    /// Reads until the server closes; returns the close code.
    pub async fn close_code(&mut self, limit: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code.into()),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return None,
                Err(_) => panic!("the server did not close within {limit:?}"),
            }
        }
    }
}

/// A tiles frame of PNG-marked tiles (the server checks the signature, viewers decode).
pub fn tiles_frame(tiles: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let tiles = tiles
        .iter()
        .map(|(index, bytes)| Tile {
            index: *index,
            format: TileFormat::Png,
            bytes,
        })
        .collect();
    protocol::encode(&Frame::Tiles(tiles))
}

/// Bytes that pass for a PNG tile: the signature, then `label`.
pub fn fake_png(label: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(label.as_bytes());
    bytes
}

/// The `(index, bytes)` tiles of a decoded tiles frame.
pub fn tiles_of(frame: &[u8]) -> Vec<(u32, Vec<u8>)> {
    match protocol::decode(frame, MAX_TILE).expect("the server sends valid frames") {
        Frame::Tiles(tiles) => tiles.iter().map(|t| (t.index, t.bytes.to_vec())).collect(),
        Frame::Geometry(g) => panic!("expected tiles, got geometry {g:?}"),
    }
}

/// The geometry of a decoded geometry frame.
pub fn geometry_of(frame: &[u8]) -> Geometry {
    match protocol::decode(frame, MAX_TILE).expect("the server sends valid frames") {
        Frame::Geometry(g) => g,
        Frame::Tiles(_) => panic!("expected a geometry frame"),
    }
}
