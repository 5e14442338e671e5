//! Presigned PUT URLs are bound to the declared size, type, signature and lifetime.

use super::*;

use tokio::io::AsyncReadExt;

/// Sends raw bytes as one HTTP/1.1 request and returns the response's status line.
async fn raw_status(addr: SocketAddr, request: &[u8]) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn presigned_put_is_bound_to_length_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let s3 = client(store.local_addr());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let body = pattern(4096, 1);
    let presign_put = |key: &'static str, cfg: PresigningConfig| {
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .content_length(4096)
            .content_type("video/mp4")
            .presigned(cfg)
    };

    let ok = presign_put("ok", presign(300)).await.unwrap();
    let signed = ok
        .uri()
        .split("X-Amz-SignedHeaders=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert_eq!(
        signed, "content-length%3Bcontent-type%3Bhost",
        "signed headers: {signed}"
    );
    assert!(ok
        .headers()
        .any(|(n, v)| n == "content-length" && v == "4096"));
    let resp = send(&ok, body.clone(), &[]).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let head = s3
        .head_object()
        .bucket(BUCKET)
        .key("ok")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (head.content_length(), head.content_type()),
        (Some(4096), Some("video/mp4"))
    );

    let req = presign_put("longer", presign(300)).await.unwrap();
    assert_eq!(send(&req, pattern(4097, 1), &[]).await.status(), 403);
    assert!(is_absent(&s3, "longer").await);

    let req = presign_put("shorter", presign(300)).await.unwrap();
    assert_eq!(send(&req, pattern(100, 1), &[]).await.status(), 403);
    assert!(is_absent(&s3, "shorter").await);

    // The signed Content-Length cannot be kept while a chunked body carries more bytes.
    let req = presign_put("smuggled", presign(300)).await.unwrap();
    let addr = store.local_addr();
    let path = req.uri().split_once(&addr.to_string()).unwrap().1;
    let mut raw = format!(
        "PUT {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: video/mp4\r\ncontent-length: 4096\r\n\
         transfer-encoding: chunked\r\n\r\n2000\r\n"
    )
    .into_bytes();
    raw.extend(pattern(0x2000, 1));
    raw.extend(b"\r\n0\r\n\r\n");
    let status = raw_status(addr, &raw).await;
    assert!(!status.contains(" 2"), "smuggled body accepted: {status}");
    assert!(is_absent(&s3, "smuggled").await);

    let req = presign_put("other-type", presign(300)).await.unwrap();
    let resp = reqwest::Client::new()
        .put(req.uri())
        .header("content-type", "text/html")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(is_absent(&s3, "other-type").await);

    let req = presign_put("tampered", presign(300)).await.unwrap();
    let uri = req.uri().to_owned();
    let flipped = if uri.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &uri[..uri.len() - 1]);
    let mut builder = reqwest::Client::new().put(tampered);
    for (n, v) in req.headers().filter(|(n, _)| *n != "content-length") {
        builder = builder.header(n, v);
    }
    assert_eq!(
        builder.body(body.clone()).send().await.unwrap().status(),
        403
    );
    assert!(is_absent(&s3, "tampered").await);

    let past = SystemTime::now() - Duration::from_secs(3600);
    let cfg = PresigningConfig::builder()
        .start_time(past)
        .expires_in(Duration::from_secs(60))
        .build()
        .unwrap();
    let req = presign_put("expired", cfg).await.unwrap();
    assert_eq!(send(&req, body, &[]).await.status(), 403);
    assert!(is_absent(&s3, "expired").await);

    assert!(dir_entries(&dir.path().join("tmp")).is_empty());
    store.stop().await;
}
