//! A large clip goes up in parts; the connection breaks mid-part; the client asks what
//! the store holds and resumes from there.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::helpers::{large_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(an_interrupted_multipart_upload_resumes_and_completes);

async fn an_interrupted_multipart_upload_resumes_and_completes(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let clip = large_clip();

    let res = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "video/x-matroska", "title": "Long"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["method"], "multipart");
    let part_size = grant["part_size"].as_u64().unwrap() as usize;
    let parts = grant["parts"].as_array().unwrap().clone();
    assert_eq!(parts.len(), clip.len().div_ceil(part_size));
    let chunk = |i: usize| &clip[i * part_size..((i + 1) * part_size).min(clip.len())];

    // Part 1 arrives; part 2 breaks off halfway through.
    let first = app
        .client
        .put(parts[0]["url"].as_str().unwrap())
        .body(chunk(0).to_vec())
        .send()
        .await
        .unwrap();
    assert!(first.status().is_success(), "part 1: {}", first.status());
    send_half_then_drop(parts[1]["url"].as_str().unwrap(), chunk(1)).await;

    let upload_id = grant["upload_id"].as_str().unwrap();
    let status: Value = app
        .get(&format!("/v1/uploads/{upload_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "pending");
    assert_eq!(
        status["parts"].as_array().unwrap().len(),
        1,
        "only the whole part counts: {status}"
    );
    assert_eq!(status["received_bytes"], part_size);

    let early = app.complete_upload(&alice, upload_id).await;
    assert_eq!(early.status(), StatusCode::CONFLICT);

    // Resume with the parts the store does not hold.
    let mut etags = vec![json!({"number": 1, "etag": first.headers()["etag"].to_str().unwrap()})];
    for (i, part) in parts.iter().enumerate().skip(1) {
        let res = app
            .client
            .put(part["url"].as_str().unwrap())
            .body(chunk(i).to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "part {}: {}",
            i + 1,
            res.status()
        );
        etags.push(json!({"number": i + 1, "etag": res.headers()["etag"].to_str().unwrap()}));
    }
    let done = app
        .post(
            &format!("/v1/uploads/{upload_id}/complete"),
            &alice.token,
            json!({"parts": etags}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let media_id = done.json::<Value>().await.unwrap()["media_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let key = format!("u/{}/{}/original", alice.id, upload_id);
    let object = app
        .state
        .store
        .head(&key)
        .await
        .unwrap()
        .expect("object is in the store");
    assert_eq!(object.size, clip.len() as u64);
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &bob.token)
            .await
            .status(),
        StatusCode::OK
    );
}

/// Sends the headers and half the body of a PUT over raw TCP, then hangs up.
async fn send_half_then_drop(url: &str, body: &[u8]) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..body.len() / 2]).await.unwrap();
    socket.flush().await.unwrap();
    drop(socket);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}
