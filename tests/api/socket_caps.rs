//! One user, or one address, cannot take every socket: past their cap they are refused
//! before the upgrade with 429 and a JSON error, gateway and live-share sockets counted
//! together, while everyone else, and plain HTTP, is still served.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp, TestUser};
use crate::live_ws::live_url;
use crate::ws::{handshake_request, try_open, ws_url, Refusal, WsStream, WAIT};

/// The default cap of one user's sockets.
const PER_USER: usize = 16;

/// Asserts a 429 with Retry-After and the JSON error `code`.
fn assert_too_many(refusal: Refusal, code: &str) {
    assert_eq!(refusal.status().as_u16(), 429);
    let retry: u64 = refusal.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry > 0);
    let body: Value = serde_json::from_slice(&refusal.into_body().expect("a body")).unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

async fn open(app: &TestApp, user: &TestUser) -> WsStream {
    try_open(&ws_url(&app.address), Some(&user.token))
        .await
        .unwrap_or_else(|r| panic!("refused with {}", r.status()))
}

/// Opens a socket as `user` once the server has given back a closed one's place.
async fn open_when_freed(app: &TestApp, user: &TestUser) -> WsStream {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match try_open(&ws_url(&app.address), Some(&user.token)).await {
            Ok(ws) => return ws,
            Err(r) => assert_eq!(r.status().as_u16(), 429),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_holds_at_most_sixteen_sockets() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            json!({"viewers": [bob.id], "width": 64, "height": 64}),
        )
        .await;
    let share = res.json::<Value>().await.unwrap()["share_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A live-share socket counts like a gateway socket.
    let mut held = vec![try_open(&live_url(&app, &share, true), Some(&alice.token))
        .await
        .expect("the share's socket opens")];
    for _ in 1..PER_USER {
        held.push(open(&app, &alice).await);
    }
    let refusal = try_open(&ws_url(&app.address), Some(&alice.token))
        .await
        .expect_err("the 17th socket is refused");
    assert_too_many(refusal, "too_many_sockets");
    let refusal = try_open(&live_url(&app, &share, true), Some(&alice.token))
        .await
        .expect_err("so is a 17th on the live share");
    assert_too_many(refusal, "too_many_sockets");

    // Others are served, HTTP answers.
    let _bobs = open(&app, &bob).await;
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert_eq!(health.unwrap().status().as_u16(), 200);

    // Closing one gives its place back.
    let mut first = held.remove(0);
    first.close(None).await.unwrap();
    held.push(open_when_freed(&app, &alice).await);
    assert_eq!(held.len(), PER_USER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_at_most_its_cap() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.realtime.max_sockets_per_ip = 3).await;
    let mut users = Vec::new();
    for name in ["ann", "ben", "cat", "dan"] {
        users.push(app.create_user(name).await);
    }
    let mut held = Vec::new();
    for user in &users[..3] {
        held.push(open(&app, user).await);
    }
    let refusal = try_open(&ws_url(&app.address), Some(&users[3].token))
        .await
        .expect_err("a fourth socket from 127.0.0.1 is refused");
    assert_too_many(refusal, "too_many_sockets_from_address");
    // Refused before the token is even looked at.
    let refusal = try_open(&ws_url(&app.address), None)
        .await
        .expect_err("refused");
    assert_eq!(refusal.status().as_u16(), 429);

    let mut first = held.remove(0);
    first.close(None).await.unwrap();
    held.push(open_when_freed(&app, &users[3]).await);
}

/// Behind a proxy the operator trusts, each client the proxy names has a cap of its own;
/// the same header from any other peer counts for nothing (the test above).
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_cap() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.realtime.max_sockets_per_ip = 1;
        s.server.trusted_proxies = imshare::net::NetList::parse("127.0.0.1");
    })
    .await;
    let (ann, ben, cat) = (
        app.create_user("ann").await,
        app.create_user("ben").await,
        app.create_user("cat").await,
    );
    let via_proxy = |user: &TestUser, client: &str| {
        let mut req = handshake_request(&ws_url(&app.address), Some(&user.token));
        req.headers_mut()
            .insert("X-Forwarded-For", client.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let _ann = via_proxy(&ann, "203.0.113.5").await.expect("first client");
    let _ben = via_proxy(&ben, "203.0.113.6")
        .await
        .expect("another client");
    match via_proxy(&cat, "203.0.113.5").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_too_many(*res, "too_many_sockets_from_address")
        }
        other => panic!("a second socket from 203.0.113.5 must be refused: {other:?}"),
    }
}

#[tokio::test]
async fn the_refusals_are_documented() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: Value = app
        .client
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in ["/v1/ws", "/v1/live-shares/{id}/ws"] {
        let responses = &doc["paths"][path]["get"]["responses"];
        for status in ["429", "503"] {
            assert!(
                responses[status].is_object(),
                "{path} {status}: {responses}"
            );
        }
    }
}

/// The node's socket cap is fitted under the descriptor limit, which is raised first.
#[tokio::test]
async fn the_descriptor_soft_limit_is_raised_at_start() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let hard = getrlimit(Resource::Nofile)
        .maximum
        .expect("a finite hard limit on descriptors");
    let lowered = Rlimit {
        current: Some(hard - 1),
        maximum: Some(hard),
    };
    setrlimit(Resource::Nofile, lowered).expect("lowering the soft limit");
    let _app = spawn_app(Backend::Sqlite).await;
    assert_eq!(getrlimit(Resource::Nofile).current, Some(hard));
}
