//! Signing up, in, refreshing, the profile and presence.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    signs_up_signs_in_and_reads_own_profile,
    refresh_rotates_and_old_token_stops,
    bad_sign_ups_are_refused
);

async fn signs_up_signs_in_and_reads_own_profile(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;

    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["display_name"], "alice");
    assert_eq!(me["quota"]["used_bytes"], 0);
    assert_eq!(
        me["quota"]["limit_bytes"],
        app.settings.uploads.default_quota_bytes
    );

    let res = app
        .call(
            Method::PUT,
            "/v1/me/presence",
            Some(&alice.token),
            Some(json!({"status": "busy", "note": "in a meeting"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["presence"], "busy");

    let wrong = app.sign_in("alice", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert_eq!(
        app.sign_in("nobody", "whatever-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn refresh_rotates_and_old_token_stops(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/v1/sessions/refresh",
                None,
                Some(json!({"refresh_token": token})),
            )
            .await
        }
    };
    let first = refresh(alice.refresh_token.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let new_access = body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", new_access).await.status(), StatusCode::OK);
    let new_refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // The old refresh token stops working; replaying it also revokes the new one.
    assert_eq!(
        refresh(alice.refresh_token.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(new_refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh("made-up".into()).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn bad_sign_ups_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("alice").await;
    let sign_up = |body: Value| app.call(Method::POST, "/v1/accounts", None, Some(body));

    let taken = sign_up(json!({"username": "ALICE", "password": "long-enough-1"})).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(
        taken.json::<Value>().await.unwrap()["error"]["code"],
        "username_taken"
    );

    for (body, status) in [
        (
            json!({"username": "a", "password": "long-enough-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "has space", "password": "long-enough-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "bob", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"username": "bob"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"username": 5, "password": "long-enough-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let res = sign_up(body.clone()).await;
        assert_eq!(res.status(), status, "{body}");
        let err: Value = res.json().await.unwrap();
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}: {err}"
        );
    }
}
