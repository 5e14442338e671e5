//! Friend requests, acceptance by the addressee only, the list, removal, and requests
//! between a pair sent at once.

use futures::future::{join, join_all};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp, TestUser};
use crate::on_both_databases;

on_both_databases!(
    two_users_become_friends_and_part,
    only_the_addressee_accepts,
    requests_at_once_come_to_one_request
);

async fn two_users_become_friends_and_part(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;

    let res = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": "bob"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let request: Value = res.json().await.unwrap();
    assert_eq!(request["status"], "pending");
    assert_eq!(request["to"], bob.id.as_str());

    let again = app
        .post(
            "/v1/friends/requests",
            &bob.token,
            json!({"username": "alice"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let incoming: Value = app
        .get("/v1/friends/requests", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incoming[0]["from"], alice.id.as_str());

    let id = request["id"].as_str().unwrap();
    let accepted = app
        .post(
            &format!("/v1/friends/requests/{id}/accept"),
            &bob.token,
            json!({}),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(
        accepted.json::<Value>().await.unwrap()["friend"]["username"],
        "alice"
    );

    let friends: Value = app
        .get("/v1/friends", &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(friends.as_array().unwrap().len(), 1);
    assert_eq!(friends[0]["username"], "bob");
    assert!(friends[0]["presence"].is_string());

    let res = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": "bob"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let gone = app
        .call(
            Method::DELETE,
            &format!("/v1/friends/{}", bob.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let friends: Value = app
        .get("/v1/friends", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(friends.as_array().unwrap().len(), 0);
}

async fn only_the_addressee_accepts(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    app.create_user("bob").await;
    let carol = app.create_user("carol").await;

    let request: Value = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": "bob"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = request["id"].as_str().unwrap();
    for user in [&alice, &carol] {
        let res = app
            .post(
                &format!("/v1/friends/requests/{id}/accept"),
                &user.token,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let res = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": "nobody"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": "alice"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Users whose every pair races: enough pairs that requests meet between check and write.
const RACERS: usize = 8;

/// Two requests between a pair at once, the same way round or crossing, answer as they
/// would one after the other: one 201, one 409 `request_exists`, one request (never a 500).
async fn requests_at_once_come_to_one_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut users = Vec::new();
    for i in 0..RACERS {
        users.push(app.create_user(&format!("racer{i}")).await);
    }
    let mut pairs = Vec::new();
    for (i, a) in users.iter().enumerate() {
        for b in &users[i + 1..] {
            pairs.push((a, b));
        }
    }
    // Every pair asks twice at once: half the same way round twice, half crossing.
    let races = pairs.iter().enumerate().map(|(n, &(a, b))| {
        let (from, to) = if n % 2 == 0 { (a, b) } else { (b, a) };
        join(ask(&app, a, b), ask(&app, from, to))
    });
    let answers = join_all(races).await;

    for (&(a, b), answers) in pairs.iter().zip(answers) {
        let mut answers = [answers.0, answers.1];
        answers.sort_by_key(|(status, _)| *status);
        let pair = format!("{} and {}", a.username, b.username);
        assert_eq!(answers[0].0, StatusCode::CREATED, "{pair}: {answers:?}");
        assert_eq!(answers[1].0, StatusCode::CONFLICT, "{pair}: {answers:?}");
        assert_eq!(answers[1].1["error"]["code"], "request_exists", "{pair}");
        let requests: Value = app
            .get("/v1/friends/requests", &a.token)
            .await
            .json()
            .await
            .unwrap();
        let between = requests
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["from"] == b.id.as_str() || r["to"] == b.id.as_str())
            .count();
        assert_eq!(between, 1, "{pair}: {requests}");
    }
}

/// `from` asks `to` to be friends: the status and the body.
async fn ask(app: &TestApp, from: &TestUser, to: &TestUser) -> (StatusCode, Value) {
    let res = app
        .post(
            "/v1/friends/requests",
            &from.token,
            json!({"username": to.username}),
        )
        .await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}
