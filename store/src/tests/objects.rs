//! Basic object, listing and bucket operations through the SDK.

use super::*;
#[tokio::test]
async fn object_lifecycle_with_ranges_and_listing() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let s3 = client(store.local_addr());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();

    let data = pattern(100, 7);
    let key = "m/abc/hls/720p/seg_00001.ts";
    for k in [key, "m/abc/other", "u/1/2/original"] {
        s3.put_object()
            .bucket(BUCKET)
            .key(k)
            .content_type("video/mp2t")
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
    }

    let head = s3
        .head_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(100));
    assert_eq!(head.content_type(), Some("video/mp2t"));
    let got = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[..]
    );

    let ranged = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .range("bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.content_range(), Some("bytes 10-19/100"));
    assert_eq!(
        ranged.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[10..20]
    );
    // Raw HTTP to see the status code the SDK hides.
    let url = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .presigned(presign(60))
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .get(url.uri())
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 10-19/100");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &data[10..20]);

    assert_eq!(list_keys(&s3, "m/abc/").await, [key, "m/abc/other"]);
    assert_eq!(list_keys(&s3, "m/abc/h").await, [key]);
    let grouped = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("m/abc/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    assert_eq!(grouped.contents().len(), 1);
    assert_eq!(grouped.common_prefixes()[0].prefix(), Some("m/abc/hls/"));
    let mut paged = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(BUCKET)
            .max_keys(1)
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        paged.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, [key, "m/abc/other", "u/1/2/original"]);

    for bad in ["a/../../escape", "a//b", "/abs"] {
        let res = s3
            .put_object()
            .bucket(BUCKET)
            .key(bad)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await;
        assert!(res.is_err(), "unsafe key {bad:?} was accepted");
    }
    assert_eq!(dir_entries(&dir.path().join("buckets")), [BUCKET]);

    s3.delete_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    assert!(is_absent(&s3, key).await);
    // Empty directories are pruned with the last object in them.
    assert!(!dir.path().join("buckets/media/m/abc/hls").exists());

    assert!(
        s3.delete_bucket().bucket(BUCKET).send().await.is_err(),
        "non-empty bucket deleted"
    );
    let objects = ["m/abc/other", "u/1/2/original"]
        .map(|k| ObjectIdentifier::builder().key(k).build().unwrap())
        .to_vec();
    let delete = Delete::builder()
        .set_objects(Some(objects))
        .build()
        .unwrap();
    s3.delete_objects()
        .bucket(BUCKET)
        .delete(delete)
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket(BUCKET).send().await.unwrap();
    assert!(s3.head_bucket().bucket(BUCKET).send().await.is_err());
    store.stop().await;
}

#[tokio::test]
async fn a_copy_keeps_content_and_type_and_is_independent_of_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let s3 = client(store.local_addr());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let data = pattern(5000, 3);
    let put = |body: Vec<u8>| {
        s3.put_object()
            .bucket(BUCKET)
            .key("u/1/2/original")
            .content_type("video/mp4")
            .body(ByteStream::from(body))
            .send()
    };
    put(data.clone()).await.unwrap();
    s3.copy_object()
        .bucket(BUCKET)
        .copy_source(format!("{BUCKET}/u/1/2/original"))
        .key("u/1/2/verified")
        .send()
        .await
        .unwrap();
    // The source written again afterwards leaves the copy as it was.
    put(pattern(5000, 9)).await.unwrap();
    let got = s3
        .get_object()
        .bucket(BUCKET)
        .key("u/1/2/verified")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("video/mp4"));
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[..]
    );
    let missing = s3
        .copy_object()
        .bucket(BUCKET)
        .copy_source(format!("{BUCKET}/u/1/2/none"))
        .key("u/1/2/other")
        .send()
        .await;
    assert!(missing.is_err(), "copying a missing object fails");
    store.stop().await;
}
