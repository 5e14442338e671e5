//! The upload story: friends upload, complete, see each other's clips; strangers don't.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{put_presigned, small_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    a_friend_sees_the_upload_and_a_stranger_does_not,
    complete_checks_the_object_and_is_idempotent,
    abort_frees_the_reservation,
    stale_uploads_expire_and_free_their_reservation
);

async fn a_friend_sees_the_upload_and_a_stranger_does_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;

    let clip = small_clip();
    let res = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "video/mp4", "title": "Beach"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["method"], "put");
    assert!(grant["url"].as_str().unwrap().contains("X-Amz-Signature"));
    assert!(grant["expires_at"].as_str().unwrap().ends_with('Z'));
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["reserved_bytes"], clip.len());

    // The client uploads straight to the store with a plain HTTP client.
    let put = put_presigned(&app.client, &grant, clip.to_vec()).await;
    assert!(
        put.status().is_success(),
        "store accepted the PUT: {}",
        put.status()
    );
    let upload_id = grant["upload_id"].as_str().unwrap();
    let status: Value = app
        .get(&format!("/v1/uploads/{upload_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "pending");
    assert_eq!(status["received_bytes"], clip.len());

    let done = app.complete_upload(&alice, upload_id).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["status"], "processing");
    let media_id = done["media_id"].as_str().unwrap();
    assert_eq!(media_id, grant["media_id"].as_str().unwrap());

    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["used_bytes"], clip.len());
    assert_eq!(me["quota"]["reserved_bytes"], 0);

    let seen = app.get(&format!("/v1/media/{media_id}"), &bob.token).await;
    assert_eq!(seen.status(), StatusCode::OK);
    let media: Value = seen.json().await.unwrap();
    assert_eq!(media["title"], "Beach");
    assert_eq!(media["owner"], alice.id.as_str());
    assert_eq!(media["visibility"], "friends");
    assert_eq!(media["kind"], "video");
    assert_eq!(media["status"], "processing");
    let list: Value = app
        .get(&format!("/v1/users/{}/media", alice.id), &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let stranger = app
        .get(&format!("/v1/media/{media_id}"), &carol.token)
        .await;
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    let list: Value = app
        .get(&format!("/v1/users/{}/media", alice.id), &carol.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);

    let anonymous = app
        .call(Method::GET, &format!("/v1/media/{media_id}"), None, None)
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.json::<Value>().await.unwrap()["error"]["code"],
        "unauthenticated"
    );

    // Friends lose access when the friendship ends; the owner never does.
    app.call(
        Method::DELETE,
        &format!("/v1/friends/{}", bob.id),
        Some(&alice.token),
        None,
    )
    .await;
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &bob.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &alice.token)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn complete_checks_the_object_and_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let mallory = app.create_user("mallory").await;
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

    let early = app.complete_upload(&alice, upload_id).await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    assert_eq!(
        early.json::<Value>().await.unwrap()["error"]["code"],
        "object_missing"
    );

    // Another user's upload id is not found, whatever they try.
    assert_eq!(
        app.complete_upload(&mallory, upload_id).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/uploads/{upload_id}"), &mallory.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let abort = app.abort_upload(&mallory, upload_id).await;
    assert_eq!(abort.status(), StatusCode::NOT_FOUND);

    assert!(put_presigned(&app.client, &grant, clip.to_vec())
        .await
        .status()
        .is_success());
    let first: Value = app
        .complete_upload(&alice, upload_id)
        .await
        .json()
        .await
        .unwrap();
    let second = app.complete_upload(&alice, upload_id).await;
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "a retried complete answers like the first"
    );
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["media_id"], second["media_id"]);
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["used_bytes"], clip.len(), "counted once");

    let abort = app.abort_upload(&alice, upload_id).await;
    assert_eq!(abort.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.get("/v1/uploads/not-an-id", &alice.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn abort_frees_the_reservation(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = small_clip();
    let grant: Value = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "audio/mpeg"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(put_presigned(&app.client, &grant, clip.to_vec())
        .await
        .status()
        .is_success());
    let upload_id = grant["upload_id"].as_str().unwrap();
    let res = app.abort_upload(&alice, upload_id).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let status: Value = app
        .get(&format!("/v1/uploads/{upload_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "aborted");
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["reserved_bytes"], 0);
    let late = app.complete_upload(&alice, upload_id).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    // The bytes are gone from the store too.
    let key = format!("u/{}/{}/original", alice.id, upload_id);
    assert!(app.state.store.head(&key).await.unwrap().is_none());
}

async fn stale_uploads_expire_and_free_their_reservation(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |s| {
        s.uploads.url_ttl_secs = 1;
        s.uploads.expire_grace_secs = 0;
        s.uploads.sweep_interval_secs = 1;
    })
    .await;
    let alice = app.create_user("alice").await;
    let grant: Value = app
        .request_upload(&alice, json!({"size": 1000, "content_type": "video/mp4"}))
        .await
        .json()
        .await
        .unwrap();
    let upload_id = grant["upload_id"].as_str().unwrap();
    let mut state = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        state = app
            .get(&format!("/v1/uploads/{upload_id}"), &alice.token)
            .await
            .json()
            .await
            .unwrap();
        if state["state"] == "expired" {
            break;
        }
    }
    assert_eq!(state["state"], "expired");
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["reserved_bytes"], 0);
}
