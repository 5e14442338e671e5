//! The group page `/g/{id}`: members see the history, everyone else a 404 or the sign-in
//! page; the send form stores through the same path as `group.send`; the page's
//! WebSocket ticket opens `/v1/ws` and nothing else.

use reqwest::{Response, StatusCode};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::blog::{app_without_worker, attr_after, page, session_through_link, Page};
use crate::helpers::{Backend, TestApp, TestUser};
use crate::on_both_databases;
use crate::ws::{group_send, ws_url, Ws};

on_both_databases!(
    members_see_the_history_and_others_do_not,
    the_form_stores_the_next_message_once,
    the_pages_ticket_opens_the_websocket_only,
);

/// A signed-in browser: the session cookie from the user's own blog link.
async fn browser(app: &TestApp, user: &TestUser) -> String {
    session_through_link(app, user, user).await
}

/// POSTs the send form as a browser with `cookie`, from `origin`.
async fn post_message(
    app: &TestApp,
    group: &str,
    cookie: &str,
    origin: &str,
    fields: &[(&str, &str)],
) -> Response {
    app.client
        .post(format!("{}/g/{group}/messages", app.address))
        .header("cookie", format!("imshare_session={cookie}"))
        .header("origin", origin)
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn field<'a>(page: &'a Page, name: &str) -> &'a str {
    attr_after(&page.body, &format!("name=\"{name}\""), "value").expect("the form field")
}

async fn members_see_the_history_and_others_do_not(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, "<script>alert(1)</script> & hi", "a-1"))
        .await;
    assert_eq!(a.expect("ack").await["seq"], 1);

    let shown = page(
        &app,
        &format!("/g/{group}"),
        Some(&browser(&app, &bob).await),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.header("cache-control"), "private, no-store");
    let csp = shown.header("content-security-policy");
    assert!(
        csp.contains(&format!("script-src {}/assets/group.js", app.address)),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(shown.body.contains("alice") && shown.body.contains("bob"));
    assert!(shown
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; hi"));
    assert!(
        !shown.body.contains("<script>alert"),
        "user text is escaped"
    );
    assert!(
        shown.body.contains("data-status=\"online\""),
        "alice is online, and bob's friend"
    );

    let carols = page(
        &app,
        &format!("/g/{group}"),
        Some(&browser(&app, &carol).await),
    )
    .await;
    assert_eq!(
        carols.status,
        StatusCode::NOT_FOUND,
        "non-members see no group"
    );
    assert!(!carols.body.contains("the band"));
    let anonymous = page(&app, &format!("/g/{group}"), None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.header("location"),
        format!("/login?next=/g/{group}")
    );
    let unknown = page(&app, "/g/not-a-group", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let js = app
        .client
        .get(format!("{}/assets/group.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
}

async fn the_form_stores_the_next_message_once(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, "first", "a-1")).await;
    a.expect("ack").await;

    let cookie = browser(&app, &bob).await;
    let form = page(&app, &format!("/g/{group}"), Some(&cookie)).await;
    let (csrf, id) = (field(&form, "csrf"), field(&form, "client_msg_id"));
    let fields = [
        ("csrf", csrf),
        ("client_msg_id", id),
        ("body", "from the form"),
    ];
    let ours = app.address.as_str();

    let forged = [("csrf", "guess"), ("client_msg_id", id), ("body", "x")];
    let res = post_message(&app, &group, &cookie, ours, &forged).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_message(&app, &group, &cookie, "http://evil.example", &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = post_message(&app, &group, &cookie, ours, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/g/{group}#m2").as_str());
    let live = a.expect("group.message").await;
    assert_eq!(
        (live["seq"].as_i64(), live["from"].as_str()),
        (Some(2), Some(bob.id.as_str()))
    );
    assert_eq!(live["body"], "from the form");
    // The same form sent again (a double click, a reload) stores nothing new.
    let again = post_message(&app, &group, &cookie, ours, &fields).await;
    assert_eq!(
        again.headers()["location"],
        format!("/g/{group}#m2").as_str()
    );
    let stored = app
        .get(&format!("/v1/groups/{group}/messages"), &bob.token)
        .await;
    assert_eq!(
        stored
            .json::<serde_json::Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let empty = [("csrf", csrf), ("client_msg_id", "e-1"), ("body", "  ")];
    let res = post_message(&app, &group, &cookie, ours, &empty).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let carols_cookie = browser(&app, &carol).await;
    let carols_form = page(&app, "/friends", Some(&carols_cookie)).await;
    let carols = [
        ("csrf", field(&carols_form, "csrf")),
        ("client_msg_id", "c-1"),
        ("body", "let me in"),
    ];
    let res = post_message(&app, &group, &carols_cookie, ours, &carols).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "a non-member's post stores nothing"
    );
}

async fn the_pages_ticket_opens_the_websocket_only(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let shown = page(
        &app,
        &format!("/g/{group}"),
        Some(&browser(&app, &bob).await),
    )
    .await;
    let ticket = attr_after(&shown.body, "id=\"messages\"", "data-ticket").expect("a ticket");

    let api = app.get("/v1/me", ticket).await;
    assert_eq!(
        api.status(),
        StatusCode::UNAUTHORIZED,
        "the ticket is not an access token"
    );
    let url = format!("{}?access_token={ticket}", ws_url(&app.address));
    let (stream, _) = tokio_tungstenite::connect_async(url.into_client_request().unwrap())
        .await
        .expect("the ticket opens the WebSocket");
    let mut b = Ws { stream };
    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, "live", "a-1")).await;
    let got = b.expect("group.message").await;
    assert_eq!(
        got,
        json!({"type": "group.message", "group_id": group, "seq": 1,
        "from": alice.id, "body": "live", "sent_at": got["sent_at"]})
    );
}
