//! Browser-based applications: registration by an admin, pushes to online and offline
//! users, and signed webhook calls for messages users send to an app.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{spawn_app, spawn_app_with, Backend};
use crate::on_both_databases;
use crate::ws::Ws;

on_both_databases!(
    an_app_pushes_to_online_and_offline_users,
    a_users_message_reaches_the_signed_webhook
);

/// The calls a webhook receiver got: (timestamp header, signature header, body).
type Calls = Arc<Mutex<Vec<(String, String, String)>>>;

/// A webhook receiver on 127.0.0.1:0 that fails the first call, to show the retry.
fn start_receiver() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let seen = seen.clone();
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: String| {
                let seen = seen.clone();
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let mut calls = seen.lock().unwrap();
                    calls.push((
                        header("X-Imshare-Timestamp"),
                        header("X-Imshare-Signature"),
                        body,
                    ));
                    if calls.len() == 1 {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, calls)
}

async fn register_app(
    app: &crate::helpers::TestApp,
    webhook_url: Option<&str>,
) -> (String, String) {
    let admin = app.create_user("admin").await;
    assert!(imshare::apps::grant_admin(&app.state.db, "admin")
        .await
        .unwrap());
    let res = app
        .post(
            "/v1/apps",
            &admin.token,
            json!({"name": "board", "webhook_url": webhook_url}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    (
        body["app_id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn an_app_pushes_to_online_and_offline_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let refused = app
        .post("/v1/apps", &bob.token, json!({"name": "mine"}))
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "only admins register apps"
    );
    let (app_id, secret) = register_app(&app, None).await;
    let dave = app.create_user("dave").await;
    let group = app.create_group(&dave, &[&carol]).await;

    let mut b = Ws::connect(&app, &bob).await;
    let push = |token: String| {
        let body = json!({"users": [bob.id], "groups": [group], "payload": {"card": 7}});
        app.client
            .post(format!("{}/v1/apps/{app_id}/push", app.address))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    assert_eq!(
        push("wrong".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let res = push(secret.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let counts: Value = res.json().await.unwrap();
    assert_eq!(
        counts,
        json!({"delivered_online": 1, "queued_offline": 2}),
        "bob online; carol and dave not"
    );
    let mut frame = b.expect("app.message").await;
    let event_id = frame.as_object_mut().unwrap().remove("event_id");
    assert!(
        event_id.is_some_and(|id| id.is_string()),
        "pushes are events, with an id"
    );
    assert_eq!(
        frame,
        json!({"type": "app.message", "app_id": app_id, "payload": {"card": 7}})
    );

    let mut c = Ws::connect(&app, &carol).await;
    let waiting = c.expect("app.message").await;
    assert_eq!(
        waiting["payload"]["card"], 7,
        "an offline user gets it on connect"
    );
    // Acked, it is not sent again (the error answering the next frame shows the ack, read
    // before it, was applied).
    c.send(json!({"type": "event.ack", "event_ids": [waiting["event_id"]]}))
        .await;
    c.send(json!({"type": "group.sync", "group_id": "none", "after_seq": 0}))
        .await;
    c.expect("error").await;
    c.close().await;
    let mut c = Ws::connect(&app, &carol).await;
    c.expect_no("app.message", Duration::from_millis(500)).await;
}

async fn a_users_message_reaches_the_signed_webhook(backend: Backend) {
    // The receiver listens on loopback, which webhooks reach only when the operator says so.
    let app = spawn_app_with(backend, |s| {
        s.apps.webhook_allow = imshare::net::NetList::parse("127.0.0.1");
    })
    .await;
    let (url, calls) = start_receiver();
    let (app_id, secret) = register_app(&app, Some(&url)).await;
    let bob = app.create_user("bob").await;
    let mut b = Ws::connect(&app, &bob).await;
    b.send(json!({"type": "app.send", "app_id": app_id, "payload": {"move": "e4"}}))
        .await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while calls.lock().unwrap().len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the webhook was not retried after failing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (timestamp, signature, body) = calls.lock().unwrap()[1].clone();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    assert_eq!(
        signature,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let sent: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (sent["from"].as_str(), &sent["payload"]),
        (Some(bob.id.as_str()), &json!({"move": "e4"}))
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        calls.lock().unwrap().len(),
        2,
        "a delivered call is not sent again"
    );

    b.send(json!({"type": "app.send", "app_id": "no-such-app", "payload": 1}))
        .await;
    assert_eq!(b.expect("error").await["code"], "app_not_found");
}
