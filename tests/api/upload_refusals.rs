//! Bad upload requests get a clear error; bad PUTs are refused by the store itself.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{put_is_refused, small_clip, spawn_app, spawn_app_with, Backend};
use crate::on_both_databases;

on_both_databases!(
    bad_sizes_and_types_are_refused,
    malformed_json_is_refused,
    the_store_refuses_wrong_bytes_and_tampered_urls,
    the_store_refuses_an_expired_url,
    quota_and_store_room_are_enforced,
    concurrent_grants_never_overshoot_the_quota
);

async fn error_code(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn bad_sizes_and_types_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let max = app.settings.uploads.max_size_bytes;
    let cases = [
        (
            json!({"size": 0, "content_type": "video/mp4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            json!({"size": -5, "content_type": "video/mp4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        ),
        (
            json!({"size": 1e30, "content_type": "video/mp4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        ),
        (
            json!({"size": 1.5, "content_type": "video/mp4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        ),
        (
            json!({"size": "10", "content_type": "video/mp4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        ),
        (
            json!({"size": max + 1, "content_type": "video/mp4"}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            json!({"size": u64::MAX, "content_type": "video/mp4"}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            json!({"size": 100, "content_type": "text/html"}),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            json!({"size": 100, "content_type": "application/x-msdownload"}),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            json!({"size": 100, "content_type": "video/mp4\r\nx-evil: 1"}),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            json!({"size": 100, "content_type": "video/mp4", "visibility": "everyone"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        ),
        (
            json!({"size": 100, "content_type": "video/mp4", "title": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
    ];
    for (body, status, code) in cases {
        let (got_status, got_code) =
            error_code(app.request_upload(&alice, body.clone()).await).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "for {body}"
        );
    }
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["reserved_bytes"], 0, "refusals reserve nothing");
}

async fn malformed_json_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let send = |body: &'static str| {
        app.client
            .post(format!("{}/v1/uploads", app.address))
            .bearer_auth(&alice.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let (status, code) = error_code(send("{\"size\": 10, \"content_type\": ").await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (status, code) = error_code(send("not json at all").await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (status, _) = error_code(send("{\"content_type\": \"video/mp4\"}").await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a missing field");
    let res = app
        .client
        .post(format!("{}/v1/uploads", app.address))
        .bearer_auth(&alice.token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn the_store_refuses_wrong_bytes_and_tampered_urls(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = small_clip();
    let grant: Value = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "video/mp4"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let upload_id = grant["upload_id"].as_str().unwrap();
    let key = format!("u/{}/{}/original", alice.id, upload_id);

    let mut longer = clip.to_vec();
    longer.push(0);
    let shorter = clip[..clip.len() - 1].to_vec();
    for body in [longer, shorter] {
        let refused = put_is_refused(&grant, body.clone()).await;
        assert!(
            refused,
            "{} bytes instead of {} must be refused",
            body.len(),
            clip.len()
        );
    }
    let mut other_type = grant.clone();
    other_type["headers"]["content-type"] = json!("video/webm");
    assert!(
        put_is_refused(&other_type, clip.to_vec()).await,
        "another content type"
    );

    let mut tampered = grant.clone();
    let url = grant["url"].as_str().unwrap();
    let sig_at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &url[sig_at..sig_at + 1] == "a" {
        "b"
    } else {
        "a"
    };
    tampered["url"] = json!(format!(
        "{}{}{}",
        &url[..sig_at],
        flipped,
        &url[sig_at + 1..]
    ));
    assert!(
        put_is_refused(&tampered, clip.to_vec()).await,
        "tampered signature"
    );
    let other_key = url.replace("/original?", "/other?");
    tampered["url"] = json!(other_key);
    assert!(
        put_is_refused(&tampered, clip.to_vec()).await,
        "another object key"
    );

    assert!(
        app.state.store.head(&key).await.unwrap().is_none(),
        "nothing was stored"
    );
    let (status, code) = error_code(app.complete_upload(&alice, upload_id).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "object_missing")
    );
}

async fn the_store_refuses_an_expired_url(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.uploads.url_ttl_secs = 1).await;
    let alice = app.create_user("alice").await;
    let clip = small_clip();
    let grant: Value = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "video/mp4"}),
        )
        .await
        .json()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(put_is_refused(&grant, clip.to_vec()).await, "expired URL");
}

async fn quota_and_store_room_are_enforced(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.uploads.default_quota_bytes = 10_000).await;
    let alice = app.create_user("alice").await;
    let ok = app
        .request_upload(&alice, json!({"size": 6_000, "content_type": "video/mp4"}))
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let (status, code) = error_code(
        app.request_upload(&alice, json!({"size": 5_000, "content_type": "video/mp4"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded")
    );
    let fits = app
        .request_upload(&alice, json!({"size": 4_000, "content_type": "video/mp4"}))
        .await;
    assert_eq!(
        fits.status(),
        StatusCode::CREATED,
        "pending reservations count, the rest still fits"
    );

    // A disk whose free space is all reserve has no room for anyone.
    let full = spawn_app_with(backend, |s| s.storage.reserve_bytes = u64::MAX / 2).await;
    let bob = full.create_user("bob").await;
    let (status, code) = error_code(
        full.request_upload(&bob, json!({"size": 100, "content_type": "video/mp4"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "store_full")
    );
}

async fn concurrent_grants_never_overshoot_the_quota(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.uploads.default_quota_bytes = 10_000).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    // Grants arriving together share a transaction; each is still decided on its own.
    let asks = (0..40).map(|i| {
        let user = if i % 2 == 0 { &alice } else { &bob };
        app.request_upload(user, json!({"size": 1_000, "content_type": "video/mp4"}))
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(asks)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PAYLOAD_TOO_LARGE)
        .count();
    assert_eq!((created, refused), (20, 20), "{statuses:?}");
    for user in [&alice, &bob] {
        let me: Value = app.get("/v1/me", &user.token).await.json().await.unwrap();
        assert_eq!(me["quota"]["reserved_bytes"], 10_000);
    }
}
