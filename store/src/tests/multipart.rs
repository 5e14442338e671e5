//! Multipart uploads with presigned part URLs, completion and abort.

use super::*;
#[tokio::test]
async fn multipart_with_presigned_parts() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let s3 = client(store.local_addr());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let key = "u/0b6f/9a1c/original";
    let parts = [pattern(5 * 1024 * 1024, 3), pattern(12_345, 4)];

    let upload = s3
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .content_type("video/mp4")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap().to_owned();
    let mut etags = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        let n = i32::try_from(i + 1).unwrap();
        let req = s3
            .upload_part()
            .bucket(BUCKET)
            .key(key)
            .upload_id(&upload_id)
            .part_number(n)
            .content_length(i64::try_from(data.len()).unwrap())
            .presigned(presign(300))
            .await
            .unwrap();
        let resp = send(&req, data.clone(), &[]).await;
        assert_eq!(resp.status(), 200);
        etags.push(resp.headers()["etag"].to_str().unwrap().to_owned());
    }

    let listed = s3
        .list_parts()
        .bucket(BUCKET)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    let seen: Vec<(i32, i64, String)> = listed
        .parts()
        .iter()
        .map(|p| {
            (
                p.part_number().unwrap(),
                p.size().unwrap(),
                p.e_tag().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, 5 * 1024 * 1024, etags[0].clone()),
            (2, 12_345, etags[1].clone())
        ]
    );

    let completed: Vec<CompletedPart> = etags
        .iter()
        .enumerate()
        .map(|(i, e)| {
            CompletedPart::builder()
                .part_number(i32::try_from(i + 1).unwrap())
                .e_tag(e)
                .build()
        })
        .collect();
    let wrong = CompletedMultipartUpload::builder()
        .parts(
            CompletedPart::builder()
                .part_number(1)
                .e_tag("\"00\"")
                .build(),
        )
        .build();
    let res = s3
        .complete_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(wrong)
        .send()
        .await;
    assert!(res.is_err(), "a wrong part ETag was accepted");
    let done = s3
        .complete_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(done.e_tag().unwrap().ends_with("-2\""));
    let got = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("video/mp4"));
    assert!(
        got.body.collect().await.unwrap().into_bytes().as_ref()
            == [&parts[0][..], &parts[1][..]].concat()
    );
    assert!(dir_entries(&dir.path().join("uploads/media")).is_empty());

    let other = "u/0b6f/9a1c/aborted";
    let upload = s3
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(other)
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    let part = ByteStream::from(parts[1].clone());
    s3.upload_part()
        .bucket(BUCKET)
        .key(other)
        .upload_id(upload_id)
        .part_number(1)
        .body(part)
        .send()
        .await
        .unwrap();
    s3.abort_multipart_upload()
        .bucket(BUCKET)
        .key(other)
        .upload_id(upload_id)
        .send()
        .await
        .unwrap();
    assert!(s3
        .list_parts()
        .bucket(BUCKET)
        .key(other)
        .upload_id(upload_id)
        .send()
        .await
        .is_err());
    assert!(is_absent(&s3, other).await);
    assert!(dir_entries(&dir.path().join("uploads/media")).is_empty());
    assert!(dir_entries(&dir.path().join("tmp")).is_empty());
    store.stop().await;
}
