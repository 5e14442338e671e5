//! Browsers reach the store from the service's pages: preflights are answered, and every
//! answer (a presigned GET of a segment, a presigned PUT) says any origin may read it.

use super::*;

const ORIGIN: &str = "http://pages.example:8080";

#[tokio::test]
async fn a_preflight_is_answered_and_answers_carry_the_origin_grant() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(dir.path(), None).await;
    let s3 = client(store.local_addr());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let body = pattern(1024, 3);
    let put = s3
        .put_object()
        .bucket(BUCKET)
        .key("seg/1.ts")
        .content_length(1024)
        .presigned(presign(300))
        .await
        .unwrap();
    let url = put.uri().to_owned();
    let http = reqwest::Client::new();

    // The preflight a browser sends before a cross-origin PUT.
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(
        preflight.status().is_success(),
        "preflight: {}",
        preflight.status()
    );
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("PUT") && methods.contains("GET"),
        "{methods}"
    );
    assert_eq!(headers["access-control-allow-headers"], "content-type");

    let resp = send(&put, body.clone(), &[]).await;
    assert_eq!(resp.status(), 200);
    let get = s3
        .get_object()
        .bucket(BUCKET)
        .key("seg/1.ts")
        .presigned(presign(300))
        .await
        .unwrap();
    let got = http
        .get(get.uri())
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["access-control-allow-origin"], "*");
    let exposed = got.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
    assert_eq!(got.bytes().await.unwrap().as_ref(), body.as_slice());
}
