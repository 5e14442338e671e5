//! Interrupted uploads, stop/restart and persistence.

use super::*;
/// Starts a presigned PUT declaring 1000 bytes over raw TCP and sends only 100 of them.
async fn partial_put(s3: &Client, addr: SocketAddr, key: &str) -> TcpStream {
    let req = s3
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .content_length(1000)
        .presigned(presign(300))
        .await
        .unwrap();
    let path = req
        .uri()
        .split_once(&addr.to_string())
        .unwrap()
        .1
        .to_owned();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!("PUT {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 1000\r\n\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&pattern(100, 9)).await.unwrap();
    tcp
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn interrupted_put_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    let store = start(dir.path(), None).await;
    let addr = store.local_addr();
    let s3 = client(addr);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();

    let tcp = partial_put(&s3, addr, "u/cut/original").await;
    wait_for("the upload is being written", || {
        !dir_entries(&tmp).is_empty()
    })
    .await;
    drop(tcp);
    wait_for("the temp file is removed", || dir_entries(&tmp).is_empty()).await;
    assert!(is_absent(&s3, "u/cut/original").await);

    // A stalled upload is cut off by stop() within the grace period, leaving nothing behind.
    let _stalled = partial_put(&s3, addr, "u/stalled/original").await;
    wait_for("the upload is being written", || {
        !dir_entries(&tmp).is_empty()
    })
    .await;
    let t0 = Instant::now();
    store.stop().await;
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "stop took {:?}",
        t0.elapsed()
    );
    assert!(dir_entries(&tmp).is_empty());

    // What a crash mid-upload would leave behind is cleaned up on start.
    std::fs::write(tmp.join("leftover.tmp"), b"partial").unwrap();
    let store = start(dir.path(), None).await;
    assert!(dir_entries(&tmp).is_empty());
    let s3 = client(store.local_addr());
    assert!(is_absent(&s3, "u/cut/original").await);
    assert!(is_absent(&s3, "u/stalled/original").await);
    assert!(list_keys(&s3, "").await.is_empty());
    store.stop().await;
}

#[tokio::test]
async fn restart_on_same_port_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let addr = store.local_addr();
    let s3 = client(addr);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let data = pattern(70_000, 5);
    s3.put_object()
        .bucket(BUCKET)
        .key("m/1/poster.jpg")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();

    // The SDK keeps its pooled keep-alive connection open; stop must not wait on it for long.
    let t0 = Instant::now();
    store.stop().await;
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "stop took {:?}",
        t0.elapsed()
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after stop"
    );

    let store = start(dir.path(), Some(addr)).await;
    assert_eq!(store.local_addr(), addr);
    let s3 = client(addr);
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(
        buckets
            .buckets()
            .iter()
            .filter_map(|b| b.name())
            .collect::<Vec<_>>(),
        [BUCKET]
    );
    let got = s3
        .get_object()
        .bucket(BUCKET)
        .key("m/1/poster.jpg")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[..]
    );
    store.stop().await;
}
