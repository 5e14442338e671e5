//! Absolute URLs come from configuration or the listen address, never from a request's
//! own `Host` or `X-Forwarded-Host` (issue #11 §8), unless a trusted proxy sent it.

use imshare::net::NetList;
use reqwest::StatusCode;
use serde_json::Value;

use crate::blog::{app_without_worker, request_link, session_through_link, upload_titled};
use crate::helpers::{spawn_app_with, Backend, TestApp, TestUser};
use crate::on_both_databases;

on_both_databases!(
    planted_hosts_stay_out_of_links_playback_and_policies,
    a_trusted_proxy_names_the_public_host
);

/// GET `path` with `token`, claiming to be for evil.example in every header a proxy uses.
async fn get_as_evil(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .get(format!("{}{path}", app.address))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https");
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(cookie) = cookie {
        req = req.header("cookie", format!("imshare_session={cookie}"));
    }
    req.send().await.unwrap()
}

async fn link_url(app: &TestApp, viewer: &TestUser, owner: &TestUser) -> String {
    let res = get_as_evil(
        app,
        &format!("/v1/users/{}/blog-link", owner.id),
        Some(&viewer.token),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn hls_url(app: &TestApp, user: &TestUser, media_id: &str) -> String {
    let res = get_as_evil(
        app,
        &format!("/v1/media/{media_id}/play"),
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["hls_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn planted_hosts_stay_out_of_links_playback_and_policies(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    // Makes them friends too, so bob may open alice's blog.
    let group = app.create_group(&alice, &[&bob]).await;
    let ours = format!("{}/", app.address);

    let link = link_url(&app, &bob, &alice).await;
    assert!(link.starts_with(&ours), "the blog link names {link}");

    let media_id = upload_titled(&app, &alice, "Harbour", "friends").await;
    let hls = hls_url(&app, &alice, &media_id).await;
    assert!(hls.starts_with(&ours), "hls_url names {hls}");

    let cookie = session_through_link(&app, &alice, &alice).await;
    let res = get_as_evil(&app, &format!("/g/{group}"), None, Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !policy.contains("evil.example"),
        "the page policy names {policy}"
    );
    assert!(
        policy.contains(&format!("script-src {}/", app.address)),
        "{policy}"
    );
}

async fn a_trusted_proxy_names_the_public_host(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.server.trusted_proxies = NetList::parse("127.0.0.0/8");
    })
    .await;
    let alice = app.create_user("alice").await;
    let res = app
        .client
        .get(format!("{}/v1/users/{}/blog-link", app.address, alice.id))
        .bearer_auth(&alice.token)
        .header("x-forwarded-host", "imshare.example")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("https://imshare.example/"), "{url}");

    let configured = spawn_app_with(backend, |s| {
        s.server.public_url = "https://configured.example".to_owned();
    })
    .await;
    let alice = configured.create_user("alice").await;
    let link = request_link(&configured, &alice, &alice.id).await;
    let url = link.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("https://configured.example/"), "{url}");
}
