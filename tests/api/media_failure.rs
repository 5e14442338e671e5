//! Why a clip failed is the owner's business: friends and strangers see that it failed,
//! never the transcoder's reason (it can describe the file and the server).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, Backend, TestApp, TestUser};
use crate::on_both_databases;

on_both_databases!(only_the_owner_reads_why_a_clip_failed);

async fn only_the_owner_reads_why_a_clip_failed(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let friend = app.create_user("bob").await;
    let stranger = app.create_user("carol").await;
    app.befriend(&alice, &friend).await;
    let junk: Vec<u8> = (0..64 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    let media_id = app.upload_clip(&alice, &junk, "video/mp4", "public").await;
    let owned = app
        .wait_for_media(&alice, &media_id, Duration::from_secs(60))
        .await;
    assert_eq!(owned["status"], "failed");
    let reason = owned["failure"]
        .as_str()
        .expect("the owner reads the reason");
    assert!(!reason.is_empty());

    for viewer in [&friend, &stranger] {
        let one: Value = app
            .get(&format!("/v1/media/{media_id}"), &viewer.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one["status"], "failed", "{one}");
        assert!(one["failure"].is_null(), "{} read {one}", viewer.username);

        let listed = list_of(&app, viewer, &alice.id).await;
        assert_eq!(listed[0]["status"], "failed");
        assert!(listed[0]["failure"].is_null(), "{listed}");

        let play = app
            .get(&format!("/v1/media/{media_id}/play"), &viewer.token)
            .await;
        assert_eq!(play.status(), StatusCode::CONFLICT);
        let message = play.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!message.contains(reason), "{message}");
    }

    let play = app
        .get(&format!("/v1/media/{media_id}/play"), &alice.token)
        .await;
    let message = play.json::<Value>().await.unwrap()["error"]["message"].to_string();
    assert!(message.contains(reason), "the owner is told why: {message}");
}

async fn list_of(app: &TestApp, viewer: &TestUser, owner: &str) -> Value {
    app.get(&format!("/v1/users/{owner}/media"), &viewer.token)
        .await
        .json()
        .await
        .unwrap()
}
