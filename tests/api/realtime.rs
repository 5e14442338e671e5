//! The WebSocket gateway: group messages with acks and seq, replay, refusals, resends.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Backend};
use crate::on_both_databases;
use crate::ws::{group_send, Ws};

on_both_databases!(
    members_exchange_messages_with_acks_and_seq,
    an_offline_member_syncs_exactly_what_they_missed,
    a_non_member_is_refused,
    a_resend_is_acked_again_and_delivered_once,
);

async fn members_exchange_messages_with_acks_and_seq(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;

    a.send(group_send(&group, "hi bob", "a-1")).await;
    let ack = a.expect("ack").await;
    assert_eq!(
        ack,
        json!({"type": "ack", "client_msg_id": "a-1", "seq": 1})
    );
    let got = b.expect("group.message").await;
    assert_eq!(
        (got["group_id"].as_str(), got["seq"].as_i64()),
        (Some(group.as_str()), Some(1))
    );
    assert_eq!(
        (got["from"].as_str(), got["body"].as_str()),
        (Some(alice.id.as_str()), Some("hi bob"))
    );
    assert!(got["sent_at"].as_str().is_some_and(|t| t.ends_with('Z')));

    b.send(group_send(&group, "hi alice", "b-1")).await;
    assert_eq!(b.expect("ack").await["seq"], 2);
    let got = a.expect("group.message").await;
    assert_eq!(
        (got["seq"].as_i64(), got["from"].as_str()),
        (Some(2), Some(bob.id.as_str()))
    );
}

async fn an_offline_member_syncs_exactly_what_they_missed(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;
    a.send(group_send(&group, "one", "1")).await;
    a.expect("ack").await;
    assert_eq!(b.expect("group.message").await["seq"], 1);
    b.close().await;

    for (i, body) in ["two", "three"].iter().enumerate() {
        a.send(group_send(&group, body, &format!("{}", i + 2)))
            .await;
        a.expect("ack").await;
    }
    let mut b = Ws::connect(&app, &bob).await;
    b.send(json!({"type": "group.sync", "group_id": group, "after_seq": 1}))
        .await;
    let first = b.expect("group.message").await;
    let second = b.expect("group.message").await;
    assert_eq!(
        (first["seq"].as_i64(), first["body"].as_str()),
        (Some(2), Some("two"))
    );
    assert_eq!(
        (second["seq"].as_i64(), second["body"].as_str()),
        (Some(3), Some("three"))
    );
    b.expect_no("group.message", Duration::from_millis(500))
        .await;

    let page: Value = app
        .get(
            &format!("/v1/groups/{group}/messages?after_seq=1"),
            &bob.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let seqs: Vec<i64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3]);
    assert_eq!(page[0]["from"], alice.id.as_str());
}

async fn a_non_member_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut c = Ws::connect(&app, &carol).await;

    c.send(group_send(&group, "let me in", "c-1")).await;
    let err = c.expect("error").await;
    assert_eq!(err["code"], "not_a_member", "{err}");
    assert_eq!(
        err["client_msg_id"], "c-1",
        "the error names the frame it answers"
    );
    c.send(json!({"type": "group.sync", "group_id": group, "after_seq": 0}))
        .await;
    let err = c.expect("error").await;
    assert_eq!(err["code"], "not_a_member");
    assert!(
        err.get("client_msg_id").is_none(),
        "group.sync has no client_msg_id: {err}"
    );
    a.expect_no("group.message", Duration::from_millis(500))
        .await;

    let res = app
        .get(&format!("/v1/groups/{group}/messages"), &carol.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(
            &format!("/v1/groups/{group}/members"),
            &carol.token,
            json!({"user_id": carol.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(
            &format!("/v1/groups/{group}/members"),
            &alice.token,
            json!({"user_id": carol.id}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a stranger cannot be added"
    );
}

async fn a_resend_is_acked_again_and_delivered_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;

    a.send(group_send(&group, "once", "same-id")).await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    a.send(group_send(&group, "once", "same-id")).await;
    assert_eq!(
        a.expect("ack").await["seq"],
        1,
        "a resend gets the first ack's seq"
    );
    a.send(group_send(&group, "next", "other-id")).await;
    assert_eq!(a.expect("ack").await["seq"], 2);

    assert_eq!(b.expect("group.message").await["seq"], 1);
    assert_eq!(
        b.expect("group.message").await["seq"],
        2,
        "the resend was not fanned out again"
    );
    let all: Value = app
        .get(&format!("/v1/groups/{group}/messages"), &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
}

/// Group membership over REST, and the hub kept in step with it.
#[tokio::test]
async fn members_are_added_and_removed() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[]).await;
    let mut b = Ws::connect(&app, &bob).await;
    app.befriend(&alice, &bob).await;
    let add = app
        .post(
            &format!("/v1/groups/{group}/members"),
            &alice.token,
            json!({"user_id": bob.id}),
        )
        .await;
    assert_eq!(add.status(), StatusCode::NO_CONTENT);
    let groups: Value = app
        .get("/v1/groups", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        groups,
        json!([{"id": group, "name": "the band", "owner_id": alice.id}])
    );

    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, "welcome", "w")).await;
    assert_eq!(
        b.expect("group.message").await["body"],
        "welcome",
        "an online member added over REST gets messages"
    );

    let leave = app
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/groups/{group}/members/{}", bob.id),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(leave.status(), StatusCode::NO_CONTENT);
    a.send(group_send(&group, "gone?", "g")).await;
    a.expect("ack").await;
    b.expect_no("group.message", Duration::from_millis(500))
        .await;
    let owner_leaves = app
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/groups/{group}/members/{}", alice.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(owner_leaves.status(), StatusCode::CONFLICT);
}

/// A token in the query works (browsers); none or a bad one is refused before upgrading.
#[tokio::test]
async fn the_socket_needs_a_valid_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let url = crate::ws::ws_url(&app.address);
    let ok = tokio_tungstenite::connect_async(format!("{url}?access_token={}", alice.token)).await;
    assert!(ok.is_ok(), "query token accepted");
    for bad in [url.clone(), format!("{url}?access_token=nope")] {
        let refused = tokio_tungstenite::connect_async(bad).await;
        assert!(
            refused.is_err(),
            "connecting without a valid token must fail"
        );
    }
}

/// Oversized bodies and floods are refused with `error` frames; the connection stays up.
#[tokio::test]
async fn limits_are_enforced_with_error_frames() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.realtime.rate_per_sec = 1;
        s.realtime.rate_burst = 3;
    })
    .await;
    let alice = app.create_user("alice").await;
    let group = app.create_group(&alice, &[]).await;
    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, &"x".repeat(5000), "big")).await;
    let err = a.expect("error").await;
    assert_eq!(
        (err["code"].as_str(), err["client_msg_id"].as_str()),
        (Some("too_large"), Some("big"))
    );
    a.send(json!({"type": "group.shout"})).await;
    assert_eq!(a.expect("error").await["code"], "bad_frame");
    a.send(group_send(&group, "ok", "1")).await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    a.send(group_send(&group, "too fast", "2")).await;
    assert_eq!(a.expect("error").await["code"], "rate_limited");
}

/// A client that goes silent (answers no ping) is dropped with a reason.
#[tokio::test]
async fn a_silent_client_is_dropped() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.realtime.ping_secs = 1;
        s.realtime.idle_timeout_secs = 2;
    })
    .await;
    let alice = app.create_user("alice").await;
    let mut a = Ws::connect(&app, &alice).await;
    // Not reading means not answering pings: the server hears nothing.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let alice_id = imshare::ids::UserId::from(alice.id.as_str());
    assert!(
        !app.state.delivery.is_online_here(&alice_id),
        "the silent connection was dropped"
    );
    // Reading now answers the queued pings into a closed socket, which may reset it
    // before the close frame is read; either way the connection is over.
    if let Some(close) = a.closed_by_server(Duration::from_secs(5)).await {
        assert_eq!(u16::from(close.code), 1001, "{close:?}");
    }
}
