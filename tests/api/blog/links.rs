//! Signed blog links: a friend's opens the blog and signs in once; strangers get none;
//! expired, used and tampered links are refused with a page that says so.

use reqwest::StatusCode;
use serde_json::Value;

use super::{page, request_link, session_through_link, set_cookie_line, upload_titled};
use crate::helpers::{spawn_app_with, Backend};
use crate::on_both_databases;

on_both_databases!(
    a_friends_link_signs_in_once_and_shows_friends_only_clips,
    a_strangers_request_for_a_link_is_404,
    expired_and_tampered_links_are_refused_with_a_page
);

async fn a_friends_link_signs_in_once_and_shows_friends_only_clips(backend: Backend) {
    // The page cache stays on: a signed-in visitor must never get the anonymous copy.
    let app = spawn_app_with(backend, |s| s.media.in_process_worker = false).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    upload_titled(&app, &alice, "Harbour at noon", "public").await;
    let party = upload_titled(&app, &alice, "Birthday party", "friends").await;
    let diary = upload_titled(&app, &alice, "Private diary", "private").await;
    let anonymous = page(&app, "/u/alice", None).await;
    assert!(
        anonymous.body.contains("Harbour at noon") && !anonymous.body.contains("Birthday party")
    );

    let res = request_link(&app, &bob, &alice.id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let link: Value = res.json().await.unwrap();
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/u/alice?link=", app.address)),
        "{url}"
    );
    let expires = time::OffsetDateTime::parse(
        link["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expires_at is RFC 3339");
    let ttl = (expires - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!(
        (590..=600).contains(&ttl),
        "links live 10 minutes by default, not {ttl} s"
    );

    let follow = app.client.get(url).send().await.unwrap();
    assert_eq!(follow.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        follow.headers()["location"],
        "/u/alice",
        "on to the clean URL"
    );
    let line = set_cookie_line(follow.headers(), "imshare_session").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{line} lacks {attribute}");
    }
    let session = super::cookie(follow.headers(), "imshare_session").unwrap();

    let blog = page(&app, "/u/alice", Some(&session)).await;
    assert_eq!(blog.status, StatusCode::OK);
    assert!(blog.body.contains("Harbour at noon") && blog.body.contains("Birthday party"));
    assert!(!blog.body.contains("Private diary"));
    assert_eq!(blog.header("cache-control"), "private, no-store");
    assert!(blog.body.contains("Sign out"));
    assert_eq!(
        page(&app, &format!("/m/{party}"), Some(&session))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        page(&app, &format!("/m/{diary}"), Some(&session))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let friends = page(&app, "/friends", Some(&session)).await;
    assert!(
        friends.body.contains("href=\"/u/alice\""),
        "the friend list links alice's blog"
    );

    // Once used, the link signs in no one else; the browser it signed in may reload it.
    let replay = app.client.get(url).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::GONE);
    let replay = super::into_page(replay).await;
    assert!(
        replay.body.contains("already used")
            && replay.header("content-type").starts_with("text/html")
    );
    assert!(set_cookie_line(&replay.headers, "imshare_session").is_none());
    let reload = app
        .client
        .get(url)
        .header("cookie", format!("imshare_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reload.status(), StatusCode::SEE_OTHER);
    let anonymous = page(&app, "/u/alice", None).await;
    assert!(
        !anonymous.body.contains("Birthday party"),
        "the anonymous copy stays anonymous"
    );

    // The owner's own link shows everything; an ended friendship shows public clips only.
    let own = session_through_link(&app, &alice, &alice).await;
    assert!(page(&app, "/u/alice", Some(&own))
        .await
        .body
        .contains("Private diary"));
    app.call(
        reqwest::Method::DELETE,
        &format!("/v1/friends/{}", bob.id),
        Some(&alice.token),
        None,
    )
    .await;
    let after = page(&app, "/u/alice", Some(&session)).await;
    assert!(after.body.contains("Harbour at noon") && !after.body.contains("Birthday party"));
    assert_eq!(
        request_link(&app, &bob, &alice.id).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_strangers_request_for_a_link_is_404(backend: Backend) {
    let app = super::app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let carol = app.create_user("carol").await;
    let res = request_link(&app, &carol, &alice.id).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["code"], "not_found",
        "JSON, like the rest of the API"
    );
    assert_eq!(
        request_link(&app, &carol, "no-such-user").await.status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = app
        .call(
            reqwest::Method::GET,
            &format!("/v1/users/{}/blog-link", alice.id),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        request_link(&app, &alice, &alice.id).await.status(),
        StatusCode::OK,
        "one's own blog"
    );
}

async fn expired_and_tampered_links_are_refused_with_a_page(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.media.in_process_worker = false;
        s.blog.link_ttl_secs = 3;
    })
    .await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let link: Value = request_link(&app, &bob, &alice.id)
        .await
        .json()
        .await
        .unwrap();
    let url = link["url"].as_str().unwrap().to_owned();

    let mut tampered = url.clone().into_bytes();
    let at = tampered.len() - 3;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let token = url.split("link=").nth(1).unwrap();
    let other_blog = format!("{}/u/bob?link={token}", app.address);
    let garbage = format!("{}/u/alice?link=not-a-link", app.address);
    for refused in [&tampered, &other_blog, &garbage] {
        let res = super::into_page(app.client.get(refused.as_str()).send().await.unwrap()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{refused}");
        assert!(
            res.body.contains("This link is not valid"),
            "the page says why"
        );
        assert!(
            res.body.contains("<html lang=\"en\">"),
            "in the site's layout"
        );
        assert!(set_cookie_line(&res.headers, "imshare_session").is_none());
    }

    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let expired = super::into_page(app.client.get(&url).send().await.unwrap()).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.body.contains("This link has expired"));
    assert!(set_cookie_line(&expired.headers, "imshare_session").is_none());
}
