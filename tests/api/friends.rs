//! Friend requests, acceptance by the addressee only, the list, removal.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    two_users_become_friends_and_part,
    only_the_addressee_accepts
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
