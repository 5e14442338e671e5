//! The sender against a stand-in WebSocket server: what arrives rebuilds the last frame,
//! the token travels as a bearer header, and the server's errors reach the report.

use std::sync::{Arc, Mutex};

use imshare_live::{Picture, RgbaFrame};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use super::*;

const MAX_TILE: usize = 64 * 1024;

fn frame(seed: u8, changed_pixel: Option<usize>) -> RgbaFrame {
    let mut pixels: Vec<u8> = (0..40 * 30 * 4)
        .map(|i| (i as u8).wrapping_mul(seed))
        .collect();
    if let Some(p) = changed_pixel {
        pixels[p * 4] ^= 0xff;
    }
    RgbaFrame::new(40, 30, pixels).unwrap()
}

/// Accepts one WebSocket, applies every binary message to a picture, answers the first
/// tiles frame with an error text, and returns the picture and the Authorization header.
async fn stand_in_server(listener: TcpListener) -> (Picture, String) {
    let (tcp, _) = listener.accept().await.unwrap();
    let auth = Arc::new(Mutex::new(String::new()));
    let seen = auth.clone();
    // tungstenite's Callback trait fixes the (large) error type.
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, res: Response| {
        let header = req.headers().get("authorization");
        *seen.lock().unwrap() = header.and_then(|h| h.to_str().ok()).unwrap_or("").into();
        Ok(res)
    };
    let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
        .await
        .unwrap();
    let mut picture = Picture::new();
    let mut answered = false;
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Binary(bytes) = message {
            picture.apply_message(&bytes, MAX_TILE).unwrap();
            if !answered && bytes[0] == 2 {
                let error = r#"{"type":"error","code":"test_refusal","message":"just a test"}"#;
                ws.send(Message::Text(error.into())).await.unwrap();
                answered = true;
            }
        }
    }
    let auth = auth.lock().unwrap().clone();
    (picture, auth)
}

#[tokio::test]
async fn changed_tiles_rebuild_the_last_frame_and_errors_are_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/v1/live-shares/s1/ws",
        listener.local_addr().unwrap()
    );
    let server = tokio::spawn(stand_in_server(listener));
    let last = frame(3, Some(40 * 29 + 39));
    let frames: Frames =
        Box::new(vec![Ok(frame(3, None)), Ok(frame(3, None)), Ok(last.clone())].into_iter());
    let options = SendOptions {
        tile_size: 16,
        fps: 50.0,
        max_tile_bytes: MAX_TILE,
        progress: false,
    };

    let report = send_frames(&url, "tok", frames, &options).await.unwrap();

    let (picture, auth) = server.await.unwrap();
    assert_eq!(auth, "Bearer tok");
    assert!(picture.pixels() == last.pixels());
    assert_eq!(report.frames, 3);
    assert_eq!(report.geometries, 1);
    assert_eq!(
        report.tiles,
        3 * 2 + 1,
        "all 6 tiles, none, then the one changed"
    );
    assert_eq!(report.messages, 3);
    assert_eq!(report.errors().count(), 1);
}

#[tokio::test]
async fn a_source_error_stops_the_share_with_its_reason() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/v1/live-shares/s1/ws",
        listener.local_addr().unwrap()
    );
    let server = tokio::spawn(stand_in_server(listener));
    let frames: Frames =
        Box::new(vec![Ok(frame(1, None)), Err(anyhow::anyhow!("disk on fire"))].into_iter());
    let options = SendOptions {
        tile_size: 16,
        fps: 50.0,
        max_tile_bytes: MAX_TILE,
        progress: false,
    };
    let err = send_frames(&url, "tok", frames, &options)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("disk on fire"));
    server.await.unwrap();
}

#[test]
fn share_urls_follow_the_server_url() {
    let url = ws_url("http://127.0.0.1:8080/", "abc-1").unwrap();
    assert_eq!(url, "ws://127.0.0.1:8080/v1/live-shares/abc-1/ws");
    let url = ws_url("https://im.example", "x").unwrap();
    assert_eq!(url, "wss://im.example/v1/live-shares/x/ws");
    assert!(ws_url("ftp://host", "x").is_err());
    assert!(ws_url("http://host", "../admin").is_err());
}
