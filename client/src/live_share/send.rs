//! Sending a share's frames over its WebSocket: frames are tiled and encoded on a blocking
//! thread while the async side paces the messages and prints what the server says.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context};
use futures::stream::SplitStream;
use futures::{SinkExt, StreamExt};
use imshare_live::{tiler, Tiler};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::sources::Frames;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Frames tiled ahead of the sender.
const TILED_AHEAD: usize = 2;
/// How long to wait for the server to answer our close before giving up on its last words.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// How to cut and pace the frames.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Tile side in pixels, 16 to 512.
    pub tile_size: u16,
    /// Frames per second: frame `n` is sent `n / fps` seconds after the first.
    pub fps: f64,
    /// Largest encoded tile the share accepts, in bytes.
    pub max_tile_bytes: usize,
    /// Print a line to stderr for each frame that sends tiles.
    pub progress: bool,
}

/// What was sent, and what the server said while it was.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    /// Frames taken from the source, changed or not.
    pub frames: u64,
    /// Geometry frames sent: one, plus one per change of size.
    pub geometries: u64,
    /// Tiles sent.
    pub tiles: u64,
    /// WebSocket binary messages sent.
    pub messages: u64,
    /// Bytes of those messages.
    pub bytes: u64,
    /// Every text message the server sent, in order.
    pub server_texts: Vec<String>,
}

impl SendReport {
    /// The server's texts that are errors (`{"type":"error",...}`): refused frames.
    pub fn errors(&self) -> impl Iterator<Item = &str> {
        self.server_texts
            .iter()
            .map(String::as_str)
            .filter(|text| is_error(text))
    }
}

impl fmt::Display for SendReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} frames: {} tiles in {} messages, {} bytes",
            self.frames, self.tiles, self.messages, self.bytes
        )
    }
}

/// The share's WebSocket URL on `server` (an http:// or https:// base URL).
pub fn ws_url(server: &str, share_id: &str) -> anyhow::Result<String> {
    let server = server.trim_end_matches('/');
    let ws = if let Some(rest) = server.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        bail!("the server URL {server:?} must start with http:// or https://");
    };
    let id_ok = share_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if share_id.is_empty() || !id_ok {
        bail!("{share_id:?} is not a live share id; give the id the server returned");
    }
    Ok(format!("{ws}/v1/live-shares/{share_id}/ws"))
}

/// Connects to `ws_url` with `token`, then sends every frame's changed tiles (a geometry
/// frame first), paced at `options.fps`. The server's text messages are printed and kept
/// in the report; a frame the source cannot give, or a closed connection, is an error.
pub async fn send_frames(
    ws_url: &str,
    token: &str,
    frames: Frames,
    options: &SendOptions,
) -> anyhow::Result<SendReport> {
    if !(options.fps.is_finite() && options.fps > 0.0) {
        bail!("{} frames per second: use a rate above 0", options.fps);
    }
    let tiler = Tiler::new(options.tile_size, options.max_tile_bytes)?;
    let (mut sink, stream) = connect(ws_url, token).await?.split();
    let listener = tokio::spawn(listen(stream));
    let (tx, mut rx) = mpsc::channel(TILED_AHEAD);
    let producer = tokio::task::spawn_blocking(move || tile_all(frames, tiler, tx));

    let period = Duration::from_secs_f64(1.0 / options.fps);
    let start = Instant::now();
    let mut report = SendReport::default();
    let sent: anyhow::Result<()> = async {
        while let Some(tiled) = rx.recv().await {
            let tiled: Tiled = tiled?;
            tokio::time::sleep_until(start + period.mul_f64(report.frames as f64)).await;
            let frame_bytes: usize = tiled.messages.iter().map(Vec::len).sum();
            for message in tiled.messages {
                sink.send(Message::Binary(message.into()))
                    .await
                    .with_context(|| format!("sending frame {}", report.frames))?;
                report.messages += 1;
            }
            report.frames += 1;
            report.geometries += u64::from(tiled.geometry);
            report.tiles += tiled.tiles as u64;
            report.bytes += frame_bytes as u64;
            if options.progress && tiled.tiles > 0 {
                eprintln!(
                    "frame {}: {} tiles, {} bytes ({} bytes so far)",
                    report.frames, tiled.tiles, frame_bytes, report.bytes
                );
            }
        }
        if report.frames == 0 {
            bail!("the source gave no frames");
        }
        Ok(())
    }
    .await;
    drop(rx);
    // A polite close; the server answers it, which ends the listener.
    let _ = sink.close().await;
    if let Ok(Ok(texts)) = tokio::time::timeout(CLOSE_WAIT, listener).await {
        report.server_texts = texts;
    }
    let _ = producer.await;
    match (sent, report.server_texts.last()) {
        (Err(e), Some(last)) => Err(e.context(format!("the server's last message: {last}"))),
        (Err(e), None) => Err(e),
        (Ok(()), _) => Ok(report),
    }
}

/// Opens the WebSocket, turning a refused upgrade into the server's error code and message.
async fn connect(ws_url: &str, token: &str) -> anyhow::Result<Socket> {
    let mut request = ws_url
        .into_client_request()
        .with_context(|| format!("{ws_url} is not a WebSocket URL"))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .context("the access token holds characters a header cannot carry")?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => {
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or("unknown");
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            bail!(
                "the server refused the WebSocket at {ws_url}: {}: {code}: {message}",
                response.status()
            )
        }
        Err(e) => Err(e).with_context(|| format!("cannot open the WebSocket at {ws_url}")),
    }
}

/// One frame, tiled: its protocol messages, how many tiles they carry, and whether they
/// start with a geometry frame.
struct Tiled {
    messages: Vec<Vec<u8>>,
    tiles: usize,
    geometry: bool,
}

/// Tiles every frame in turn (on a blocking thread) until the frames end, one fails, or
/// the sender stops listening.
fn tile_all(frames: Frames, mut tiler: Tiler, tx: mpsc::Sender<anyhow::Result<Tiled>>) {
    for (n, frame) in frames.enumerate() {
        let tiled = frame.and_then(|frame| {
            let changes = tiler.diff(&frame);
            let tiles = tiler
                .encode(&frame, &changes.tiles)
                .with_context(|| format!("tiling frame {n}"))?;
            Ok(Tiled {
                messages: tiler::messages(changes.geometry, &tiles),
                tiles: tiles.len(),
                geometry: changes.geometry.is_some(),
            })
        });
        let failed = tiled.is_err();
        if tx.blocking_send(tiled).is_err() || failed {
            return;
        }
    }
}

/// Prints and collects the server's text messages until the connection ends.
async fn listen(mut stream: SplitStream<Socket>) -> Vec<String> {
    let mut texts = Vec::new();
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(text) => {
                eprintln!("{}", describe(&text));
                texts.push(text.to_string());
            }
            Message::Close(Some(frame)) if !frame.reason.is_empty() => {
                eprintln!("the server closed the share: {}", frame.reason);
            }
            _ => {}
        }
    }
    texts
}

/// True for `{"type":"error",...}`.
fn is_error(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v["type"] == "error")
}

/// A server text as a person reads it.
fn describe(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if value["type"] == "error" {
        let code = value["code"].as_str().unwrap_or("unknown");
        let message = value["message"].as_str().unwrap_or("no message");
        format!("the server refused a frame: {code}: {message}")
    } else {
        format!("the server says: {text}")
    }
}

#[cfg(test)]
#[path = "send_tests.rs"]
mod tests;
