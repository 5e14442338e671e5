//! Media records: the one visibility rule, changes and deletion by the owner only.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{small_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    visibility_rule_holds_everywhere,
    only_the_owner_changes_or_deletes
);

async fn visibility_rule_holds_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    let public = app
        .upload_clip(&alice, small_clip(), "video/mp4", "public")
        .await;
    let friends = app
        .upload_clip(&alice, small_clip(), "video/mp4", "friends")
        .await;
    let private = app
        .upload_clip(&alice, small_clip(), "video/mp4", "private")
        .await;

    let visible = |user: &crate::helpers::TestUser| {
        let (app, token, owner) = (&app, user.token.clone(), alice.id.clone());
        async move {
            let list: Value = app
                .get(&format!("/v1/users/{owner}/media"), &token)
                .await
                .json()
                .await
                .unwrap();
            let mut ids: Vec<String> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        visible(&alice).await,
        sorted(vec![&public, &friends, &private])
    );
    assert_eq!(visible(&bob).await, sorted(vec![&public, &friends]));
    assert_eq!(visible(&carol).await, vec![public.clone()]);
    for (id, bob_sees, carol_sees) in [
        (&public, true, true),
        (&friends, true, false),
        (&private, false, false),
    ] {
        let status = |ok: bool| {
            if ok {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            }
        };
        assert_eq!(
            app.get(&format!("/v1/media/{id}"), &bob.token)
                .await
                .status(),
            status(bob_sees)
        );
        assert_eq!(
            app.get(&format!("/v1/media/{id}"), &carol.token)
                .await
                .status(),
            status(carol_sees)
        );
    }
    // Newest first, and paging with `before`.
    let list: Value = app
        .get(
            &format!("/v1/users/{}/media?limit=2", alice.id),
            &alice.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], private.as_str());
    assert_eq!(list[1]["id"], friends.as_str());
    let next: Value = app
        .get(
            &format!("/v1/users/{}/media?limit=2&before={}", alice.id, friends),
            &alice.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next.as_array().unwrap().len(), 1);
    assert_eq!(next[0]["id"], public.as_str());
}

async fn only_the_owner_changes_or_deletes(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let id = app
        .upload_clip(&alice, small_clip(), "video/mp4", "friends")
        .await;
    let path = format!("/v1/media/{id}");

    let res = app
        .call(
            Method::PATCH,
            &path,
            Some(&bob.token),
            Some(json!({"title": "mine now"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .call(
            Method::PATCH,
            &path,
            Some(&alice.token),
            Some(json!({"title": "Sunset", "visibility": "private"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["title"], "Sunset");
    assert_eq!(
        app.get(&path, &bob.token).await.status(),
        StatusCode::NOT_FOUND,
        "now private"
    );

    assert_eq!(
        app.call(Method::DELETE, &path, Some(&bob.token), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&alice.token), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&path, &alice.token).await.status(),
        StatusCode::NOT_FOUND
    );
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(
        me["quota"]["used_bytes"], 0,
        "the bytes return to the quota"
    );
}
