//! Webhooks cannot reach inside (issue #11 §3): inside URLs are refused at registration,
//! a name that resolves inside is refused as the connection is made, and redirects are
//! never followed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use imshare::ids::{AppId, UserId};
use imshare::net::NetList;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp, TestUser};
use crate::on_both_databases;

on_both_databases!(
    inside_webhook_urls_are_refused_at_registration,
    a_name_resolving_inside_is_refused_when_connecting,
    a_redirect_is_a_failed_call_and_not_followed
);

/// The only address the tests' receivers may be reached at without the check refusing.
const ALLOWED_HOST: &str = "127.0.0.2";

async fn app_with_allow_list(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.apps.webhook_allow = NetList::parse(ALLOWED_HOST);
    })
    .await
}

async fn admin(app: &TestApp) -> TestUser {
    let admin = app.create_user("admin").await;
    assert!(imshare::apps::grant_admin(&app.state.db, "admin")
        .await
        .unwrap());
    admin
}

/// An HTTP receiver on `ip`: counts calls and answers each with `answer`.
fn receiver(
    ip: &str,
    answer: impl Fn() -> HttpResponse + Clone + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let (seen, answer) = (seen.clone(), answer.clone());
        App::new().default_service(web::to(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            let res = answer();
            async move { res }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, calls)
}

/// A bare TCP listener that counts connections, whatever protocol then follows (a TLS
/// handshake never gets as far as an HTTP request).
async fn connection_counter(ip: &str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

async fn wait_for(calls: &AtomicUsize, at_least: usize, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while calls.load(Ordering::SeqCst) < at_least {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn inside_webhook_urls_are_refused_at_registration(backend: Backend) {
    let app = app_with_allow_list(backend).await;
    let admin = admin(&app).await;
    let register = |url: String| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            app.post(
                "/v1/apps",
                &token,
                json!({"name": "board", "webhook_url": url}),
            )
            .await
        }
    };
    for url in [
        "http://127.0.0.1:5432/",
        "https://127.0.0.1:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://2130706433/hook",
        "https://0x7f000001/hook",
        "https://10.0.0.1/hook",
        "https://192.168.1.1/hook",
        "https://100.64.0.1/hook",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[fe80::1]/hook",
        "https://metadata.google.internal/computeMetadata/v1/",
        "http://hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
    ] {
        let res = register(url.to_owned()).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url} must be refused"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "webhook_url_forbidden", "{url}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("webhook"),
            "{url}: {body}"
        );
    }
    let listed = register(format!("http://{ALLOWED_HOST}:9/hook")).await;
    assert_eq!(
        listed.status(),
        StatusCode::CREATED,
        "an allow-listed host may be reached, over http too"
    );
}

async fn a_name_resolving_inside_is_refused_when_connecting(backend: Backend) {
    let app = app_with_allow_list(backend).await;
    let admin = admin(&app).await;
    // Apps whose URLs slipped past registration: written before the check existed, or
    // their name resolved to a public address then and to loopback now (DNS rebinding).
    // `localhost` resolves to 127.0.0.1, where something listens. Plain http is refused
    // before any connection; https gets as far as the resolver, which must drop loopback.
    let (http_port, http_connections) = connection_counter("127.0.0.1").await;
    let (https_port, https_connections) = connection_counter("127.0.0.1").await;
    let inside = [
        (
            "01-inside-http",
            format!("http://localhost:{http_port}/hook"),
        ),
        (
            "01-inside-https",
            format!("https://localhost:{https_port}/hook"),
        ),
    ];
    let admin_id = UserId::from(admin.id.as_str());
    for (app_id, url) in &inside {
        imshare::apps::store::insert_app(
            &app.state.db,
            &AppId::from(*app_id),
            "rebound",
            Some(url),
            "secret",
            &admin_id,
        )
        .await
        .unwrap();
    }
    // A control app on an allowed address, queued at the same time, shows the loop ran.
    let (control_url, control_calls) = receiver(ALLOWED_HOST, || HttpResponse::Ok().finish());
    let control = "02-control-app";
    imshare::apps::store::insert_app(
        &app.state.db,
        &AppId::from(control),
        "control",
        Some(&control_url),
        "secret",
        &admin_id,
    )
    .await
    .unwrap();
    for app_id in [inside[0].0, inside[1].0, control] {
        imshare::apps::store::queue_webhook(&app.state.db, &AppId::from(app_id), r#"{"from":"x"}"#)
            .await
            .unwrap();
    }
    wait_for(&control_calls, 1, "the control webhook was never called").await;
    // Past the first retry (2 s after the first attempt) too.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        http_connections.load(Ordering::SeqCst),
        0,
        "the webhook client called http://localhost"
    );
    assert_eq!(
        https_connections.load(Ordering::SeqCst),
        0,
        "the webhook client connected to what localhost resolves to"
    );
}

async fn a_redirect_is_a_failed_call_and_not_followed(backend: Backend) {
    let app = app_with_allow_list(backend).await;
    let admin = admin(&app).await;
    let (target_url, target_calls) = receiver(ALLOWED_HOST, || HttpResponse::Ok().finish());
    let (redirect_url, redirect_calls) = receiver(ALLOWED_HOST, move || {
        HttpResponse::TemporaryRedirect()
            .insert_header(("Location", target_url.clone()))
            .finish()
    });
    let res = app
        .post(
            "/v1/apps",
            &admin.token,
            json!({"name": "board", "webhook_url": redirect_url}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let app_id = res.json::<Value>().await.unwrap()["app_id"]
        .as_str()
        .unwrap()
        .to_owned();
    imshare::apps::store::queue_webhook(&app.state.db, &AppId::from(app_id), r#"{"from":"x"}"#)
        .await
        .unwrap();
    wait_for(&redirect_calls, 1, "the webhook was never called").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        target_calls.load(Ordering::SeqCst),
        0,
        "the 307 was followed"
    );
    wait_for(
        &redirect_calls,
        2,
        "a redirect is a failed call, retried later",
    )
    .await;
    assert_eq!(target_calls.load(Ordering::SeqCst), 0);
}
