//! Sign-in is throttled (issue #11 §4): failures are counted per account and per client
//! address, on the API, the sign-in form, refresh and blog links; 429 with Retry-After;
//! the right password works again once the window frees a slot.

use std::time::{Duration, Instant};

use imshare::config::Settings;
use imshare::net::NetList;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::blog::{cookie, page};
use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(
    the_nth_wrong_password_gets_429_until_the_window_frees_a_slot,
    one_address_is_limited_across_accounts,
    the_sign_in_form_is_throttled_with_a_readable_page,
    bad_refresh_tokens_and_blog_links_are_throttled,
    a_guessing_flood_is_held_back_and_real_users_sign_in
);

/// The window in which `limit` failures are allowed (one slot back every window/limit).
/// Long enough that a slot does not come back while a loaded machine hashes three guesses.
const WINDOW_SECS: u64 = 6;

async fn app_with_limits(backend: Backend, account: u32, ip: u32) -> TestApp {
    spawn_app_with(backend, |s: &mut Settings| {
        s.auth.signin_account_failures = account;
        s.auth.signin_ip_failures = ip;
        s.auth.signin_window_secs = WINDOW_SECS;
        // Tests speak for several clients through X-Forwarded-For, as a proxy would.
        s.server.trusted_proxies = NetList::parse("127.0.0.1");
    })
    .await
}

/// `POST /v1/sessions` as if from `client`.
async fn sign_in_from(app: &TestApp, client: &str, username: &str, password: &str) -> Response {
    app.client
        .post(format!("{}/v1/sessions", app.address))
        .header("x-forwarded-for", client)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The 429's Retry-After, after checking the JSON error.
async fn expect_throttled(res: Response) -> u64 {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    retry_after
}

async fn the_nth_wrong_password_gets_429_until_the_window_frees_a_slot(backend: Backend) {
    let app = app_with_limits(backend, 3, 100).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    for _ in 0..3 {
        let res = sign_in_from(&app, "203.0.113.1", "alice", "wrong-password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let retry_after =
        expect_throttled(sign_in_from(&app, "203.0.113.1", "alice", "wrong-password").await).await;
    assert!(retry_after <= WINDOW_SECS, "Retry-After {retry_after}");
    expect_throttled(sign_in_from(&app, "198.51.100.9", "Alice", "alice-password").await).await;

    let bob = sign_in_from(&app, "203.0.113.1", "bob", "bob-password").await;
    assert_eq!(
        bob.status(),
        StatusCode::OK,
        "another account is unaffected"
    );

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let res = sign_in_from(&app, "203.0.113.1", "alice", "alice-password").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the right password works once the window frees a slot"
    );
}

async fn one_address_is_limited_across_accounts(backend: Backend) {
    let app = app_with_limits(backend, 100, 3).await;
    app.create_user("alice").await;
    for name in ["u1", "u2", "u3"] {
        let res = sign_in_from(&app, "203.0.113.7", name, "guess-password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    expect_throttled(sign_in_from(&app, "203.0.113.7", "alice", "alice-password").await).await;
    let elsewhere = sign_in_from(&app, "203.0.113.8", "alice", "alice-password").await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "another address is unaffected"
    );

    // Without a trusted proxy configured, X-Forwarded-For is anyone's claim and ignored:
    // the failures count against the peer, whatever address each request names.
    let direct = spawn_app_with(backend, |s| {
        s.auth.signin_ip_failures = 3;
        s.auth.signin_window_secs = 60;
    })
    .await;
    direct.create_user("alice").await;
    for (n, client) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        let res = sign_in_from(&direct, client, &format!("u{n}"), "guess-password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    expect_throttled(sign_in_from(&direct, "198.51.100.4", "alice", "alice-password").await).await;
}

/// POSTs the sign-in form with its token, from this service's own page.
async fn post_form(app: &TestApp, token: &str, username: &str, password: &str) -> Response {
    app.client
        .post(format!("{}/login", app.address))
        .header("origin", &app.address)
        .header("cookie", format!("imshare_login={token}"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", token),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
}

async fn the_sign_in_form_is_throttled_with_a_readable_page(backend: Backend) {
    let app = app_with_limits(backend, 3, 100).await;
    app.create_user("carol").await;
    let form = page(&app, "/login", None).await;
    let token = cookie(&form.headers, "imshare_login").expect("the form's token");
    for _ in 0..3 {
        let res = post_form(&app, &token, "carol", "not-her-password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = post_form(&app, &token, "carol", "carol-password").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Too many failed sign-ins") && body.contains("seconds"),
        "the page says what happened and how long to wait"
    );
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let res = post_form(&app, &token, "carol", "carol-password").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "signed in after the wait"
    );
}

async fn bad_refresh_tokens_and_blog_links_are_throttled(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.auth.signin_ip_failures = 3;
        s.auth.signin_window_secs = 60;
        s.server.trusted_proxies = NetList::parse("127.0.0.1");
    })
    .await;
    let alice = app.create_user("alice").await;
    let refresh = |client: &'static str, token: String| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/v1/sessions/refresh", app.address))
                .header("x-forwarded-for", client)
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap()
        }
    };
    for n in 0..3 {
        let res = refresh("203.0.113.20", format!("guessed-token-{n}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    expect_throttled(refresh("203.0.113.20", alice.refresh_token.clone()).await).await;
    let res = refresh("203.0.113.21", alice.refresh_token.clone()).await;
    assert_eq!(res.status(), StatusCode::OK, "another address refreshes");

    let link = |client: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/u/alice?link=forged.link.token", app.address))
                .header("x-forwarded-for", client)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        assert_eq!(link("203.0.113.30").await.status(), StatusCode::FORBIDDEN);
    }
    let res = link("203.0.113.30").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many failed attempts"));
}

async fn a_guessing_flood_is_held_back_and_real_users_sign_in(backend: Backend) {
    // The defaults: 10 failures per account, 50 per address, per 5 minutes.
    let app = spawn_app_with(backend, |s| {
        s.server.trusted_proxies = NetList::parse("127.0.0.1");
    })
    .await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let quiet = timed_sign_in(&app, "bob").await;

    let flood_for = Duration::from_secs(4);
    let started = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let (client, address) = (app.client.clone(), app.address.clone());
            tokio::spawn(async move {
                let (mut checked, mut refused, mut shed) = (0u32, 0u32, 0u32);
                let mut guess = 0;
                while started.elapsed() < flood_for {
                    guess += 1;
                    let res = client
                        .post(format!("{address}/v1/sessions"))
                        .header("x-forwarded-for", "203.0.113.66")
                        .json(
                            &json!({"username": "alice", "password": format!("guess-{n}-{guess}")}),
                        )
                        .send()
                        .await
                        .unwrap();
                    match res.status() {
                        StatusCode::UNAUTHORIZED => checked += 1,
                        StatusCode::TOO_MANY_REQUESTS => refused += 1,
                        // A machine too loaded to hash in time sheds guesses as `busy`.
                        StatusCode::SERVICE_UNAVAILABLE => {
                            let body: Value = res.json().await.unwrap();
                            assert_eq!(body["error"]["code"], "busy");
                            shed += 1;
                        }
                        other => panic!("a guess was answered {other}"),
                    }
                }
                (checked, refused, shed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut during = Vec::new();
    for _ in 0..3 {
        during.push(timed_sign_in(&app, "bob").await);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (mut checked, mut refused, mut shed) = (0, 0, 0);
    for task in tasks {
        let (c, r, s) = task.await.unwrap();
        checked += c;
        refused += r;
        shed += s;
    }
    let secs = started.elapsed().as_secs_f64();
    let worst = during.iter().max().copied().unwrap_or_default();
    eprintln!(
        "flood: 16 tasks, {secs:.1} s: {checked} guesses checked ({:.1}/s), {refused} refused with 429 \
         ({:.0}/s), {shed} shed as busy; a real sign-in took {quiet:?} before and at most {worst:?} during",
        f64::from(checked) / secs,
        f64::from(refused) / secs
    );
    // Guesses in flight hold their slot, so a burst of 16 at once gets no more hashes
    // than the account's limit.
    assert!(
        checked <= 10,
        "at most the account's 10 failures are checked: {checked}"
    );
    assert!(refused > 0);
    // Loose: the flood's own clients share this machine's cores with the service here.
    assert!(
        worst < Duration::from_secs(5),
        "a real user signs in promptly during the flood: {worst:?}"
    );
}

/// Signs in `username` (from its own address) and returns how long it took.
async fn timed_sign_in(app: &TestApp, username: &str) -> Duration {
    let started = Instant::now();
    let res = app
        .call(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"username": username, "password": format!("{username}-password")})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    started.elapsed()
}
