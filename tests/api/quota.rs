//! Quota and store room: whichever way a clip goes — uploaded then deleted, aborted,
//! expired, or deleted while it is transcoded — every byte it held or reserved comes back,
//! to its owner's quota and to the store's room.

use std::time::Duration;

use imshare::storage::client::StoreAddress;
use imshare::storage::ObjectStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::gate::Gate;
use crate::helpers::{
    hd_clip, objects_under, put_presigned, small_clip, spawn_app, spawn_app_with, Backend, TestApp,
    TestUser, STORE_KEY, STORE_SECRET,
};
use crate::on_both_databases;

on_both_databases!(
    an_uploaded_clip_once_deleted_holds_nothing,
    an_aborted_upload_holds_nothing,
    an_expired_upload_holds_nothing,
    a_clip_deleted_mid_transcode_holds_nothing
);

const WAIT: Duration = Duration::from_secs(90);

async fn an_uploaded_clip_once_deleted_holds_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = small_clip();
    let media_id = app.upload_clip(&alice, clip, "video/mp4", "private").await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "ready", "{media}");
    let (used, reserved) = user_bytes(&app, &alice).await;
    assert!(
        used > clip.len() as i64 && reserved == 0,
        "the original and its renditions count: {used} used, {reserved} reserved"
    );
    assert_eq!(
        store_bytes(&app).await,
        used,
        "the store counts the same bytes"
    );

    delete_media(&app, &alice, &media_id).await;
    assert_nothing_held(&app, &alice, "uploaded, then deleted").await;
}

async fn an_aborted_upload_holds_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = small_clip();
    let grant = grant(&app, &alice, clip.len()).await;
    let put = put_presigned(&app.client, &grant, clip.to_vec()).await;
    assert!(put.status().is_success(), "PUT: {}", put.status());
    assert_eq!(user_bytes(&app, &alice).await, (0, clip.len() as i64));

    let upload_id = grant["upload_id"].as_str().unwrap();
    let res = app.abort_upload(&alice, upload_id).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_nothing_held(&app, &alice, "aborted").await;
}

async fn an_expired_upload_holds_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.uploads.url_ttl_secs = 1;
        s.uploads.expire_grace_secs = 0;
        s.uploads.sweep_interval_secs = 1;
    })
    .await;
    let alice = app.create_user("alice").await;
    let grant = grant(&app, &alice, 1000).await;
    assert_eq!(store_bytes(&app).await, 1000, "the store reserves it too");
    let upload_id = grant["upload_id"].as_str().unwrap();
    let mut upload = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        upload = app
            .get(&format!("/v1/uploads/{upload_id}"), &alice.token)
            .await
            .json()
            .await
            .unwrap();
        if upload["state"] == "expired" {
            break;
        }
    }
    assert_eq!(upload["state"], "expired", "the sweeper expired it");
    assert_nothing_held(&app, &alice, "expired").await;
}

/// The owner deletes the clip after the transcoder recorded every segment and rendition,
/// while it stores the MP4 and poster: the transcode then finishes on a clip that is gone.
async fn a_clip_deleted_mid_transcode_holds_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.media.in_process_worker = false).await;
    // The test's own transcoder reaches the store through a gate that can hold its MP4.
    let gate = Gate::start(app.store_addr).await;
    let worker = imshare::transcode::run_workers(state_through(&app, &gate), 1);
    let alice = app.create_user("alice").await;
    gate.hold_next("/clip.mp4");
    let media_id = app
        .upload_clip(&alice, hd_clip(), "video/mp4", "private")
        .await;
    tokio::time::timeout(WAIT, gate.holding())
        .await
        .expect("the transcoder stores the clip's MP4");
    let media = app.wait_for_media(&alice, &media_id, Duration::ZERO).await;
    assert_eq!(media["status"], "processing", "{media}");

    delete_media(&app, &alice, &media_id).await;
    gate.release();
    worker.stop(WAIT).await;

    assert_nothing_held(&app, &alice, "deleted mid-transcode").await;
    assert_eq!(
        objects_under(&app.state.store, &format!("m/{media_id}/")).await,
        Vec::<String>::new(),
        "what the transcoder stored after the delete is removed too"
    );
    let sql = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'media.ready'";
    let ready: i64 = imshare::on_pool!(app.state.db.read(), p =>
        sqlx::query_scalar(sql).bind(&alice.id).fetch_one(p).await.unwrap());
    assert_eq!(ready, 0, "nobody is told a deleted clip is ready");
}

/// The app's state with its store reached through `gate`.
fn state_through(app: &TestApp, gate: &Gate) -> imshare::transcode::WorkerState {
    let endpoint = format!("http://{}", gate.addr());
    let mut state = imshare::transcode::WorkerState::of_app(&app.state);
    state.store = ObjectStore::new(&StoreAddress {
        endpoint: endpoint.clone(),
        public_endpoint: endpoint,
        region: app.settings.storage.region.clone(),
        bucket: app.settings.storage.bucket.clone(),
        access_key: STORE_KEY.to_owned(),
        secret_key: STORE_SECRET.to_owned(),
    });
    state
}

async fn grant(app: &TestApp, user: &TestUser, size: usize) -> Value {
    let res = app
        .request_upload(user, json!({"size": size, "content_type": "video/mp4"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn delete_media(app: &TestApp, user: &TestUser, media_id: &str) {
    let res = app
        .call(
            Method::DELETE,
            &format!("/v1/media/{media_id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

/// The user's (used, reserved) bytes, as `/v1/me` shows them.
async fn user_bytes(app: &TestApp, user: &TestUser) -> (i64, i64) {
    let me: Value = app.get("/v1/me", &user.token).await.json().await.unwrap();
    let quota = &me["quota"];
    (
        quota["used_bytes"].as_i64().unwrap(),
        quota["reserved_bytes"].as_i64().unwrap(),
    )
}

/// The store's stored + reserved bytes, from the database: the API does not show them.
async fn store_bytes(app: &TestApp) -> i64 {
    let sql =
        "SELECT CAST(COALESCE(SUM(stored_bytes + reserved_bytes), 0) AS BIGINT) FROM store_usage";
    imshare::on_pool!(app.state.db.read(), p =>
        sqlx::query_scalar(sql).fetch_one(p).await.unwrap())
}

async fn assert_nothing_held(app: &TestApp, user: &TestUser, path: &str) {
    let (used, reserved) = user_bytes(app, user).await;
    assert_eq!(
        used + reserved,
        0,
        "{path}: the user's used + reserved bytes"
    );
    assert_eq!(
        store_bytes(app).await,
        0,
        "{path}: the store's stored + reserved bytes"
    );
}
