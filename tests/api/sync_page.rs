//! The sync page `/s/{room}`: participants get the page with a WebSocket ticket that
//! follows the room; everyone else gets a 404, or the sign-in page when signed out.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::blog::{app_without_worker, attr_after, page, session_through_link};
use crate::helpers::Backend;
use crate::on_both_databases;
use crate::ws::Ws;

on_both_databases!(participants_get_the_page_and_others_do_not);

async fn participants_get_the_page_and_others_do_not(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let res = app
        .post(
            "/v1/sync-rooms",
            &alice.token,
            json!({"url": "https://example.org/", "participants": []}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let room = res.json::<Value>().await.unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/s/{room}");

    let alices = session_through_link(&app, &alice, &alice).await;
    let shown = page(&app, &path, Some(&alices)).await;
    assert_eq!(shown.status, StatusCode::OK);
    let csp = shown.header("content-security-policy");
    assert!(
        csp.contains("/assets/sync.js") && csp.contains("frame-src http: https:"),
        "{csp}"
    );
    assert!(shown.header("cache-control").contains("no-store"));
    let ticket = attr_after(&shown.body, "id=\"sync\"", "data-ticket").expect("a ticket");
    let mut ws = Ws::connect_to(&app.address, ticket).await;
    ws.send(json!({"type": "sync.join", "room_id": room})).await;
    let state = ws.expect("sync.region").await;
    assert_eq!(
        (state["version"].as_i64(), state["url"].as_str()),
        (Some(1), Some("https://example.org/"))
    );

    let bobs = session_through_link(&app, &bob, &bob).await;
    assert_eq!(
        page(&app, &path, Some(&bobs)).await.status,
        StatusCode::NOT_FOUND,
        "bob was not invited"
    );
    assert_eq!(
        page(&app, "/s/not-a-room", Some(&alices)).await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = page(&app, &path, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header("location"), format!("/login?next={path}"));
    let script = page(&app, "/assets/sync.js", None).await;
    assert!(script.body.contains("sync.region"));
}
