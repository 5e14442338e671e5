//! The pages themselves: what each visitor sees, escaping, headers, hot and latest,
//! search, paging, and the weight of a twenty-clip page.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{app_without_worker, page, session_through_link, upload_titled};
use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(
    an_anonymous_visitor_sees_only_public_clips,
    user_text_is_shown_as_text,
    every_page_has_its_security_and_cache_headers,
    hot_counts_plays_and_latest_lists_the_newest,
    search_finds_blogs_by_name_or_id_and_clips_by_title,
    a_blog_pages_by_twenty_and_weighs_under_20_kb
);

async fn an_anonymous_visitor_sees_only_public_clips(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let public = upload_titled(&app, &alice, "Harbour at noon", "public").await;
    let party = upload_titled(&app, &alice, "Birthday party", "friends").await;
    let diary = upload_titled(&app, &alice, "Private diary", "private").await;

    for path in [
        "/u/alice",
        "/",
        "/search?q=a",
        "/search?q=party",
        "/search?q=diary",
    ] {
        let seen = page(&app, path, None).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}");
        assert!(
            !seen.body.contains("Birthday party") && !seen.body.contains("Private diary"),
            "{path}"
        );
    }
    for path in ["/u/alice", "/", "/search?q=harbour"] {
        assert!(
            page(&app, path, None)
                .await
                .body
                .contains("Harbour at noon"),
            "{path}"
        );
    }
    assert_eq!(
        page(&app, &format!("/m/{public}"), None).await.status,
        StatusCode::OK
    );
    for hidden in [
        &party,
        &diary,
        &"0195f000-0000-7000-8000-000000000000".to_owned(),
    ] {
        let refused = page(&app, &format!("/m/{hidden}"), None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(refused.header("content-type").starts_with("text/html"));
        assert!(
            refused.body.contains("not shared with you"),
            "the same page as for a clip that does not exist"
        );
    }
    assert_eq!(
        page(&app, "/u/nobody", None).await.status,
        StatusCode::NOT_FOUND
    );
    let friends = page(&app, "/friends", None).await;
    assert_eq!(friends.status, StatusCode::SEE_OTHER);
    assert_eq!(friends.header("location"), "/login?next=/friends");
}

async fn user_text_is_shown_as_text(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let title = "<script>alert(\"x\")</script> & <b>bold</b>";
    let id = upload_titled(&app, &alice, title, "public").await;
    let res = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/media/{id}"),
            Some(&alice.token),
            Some(json!({"description": "<img src=x onerror=alert(1)>\nsecond line"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;";
    for path in [
        "/".to_owned(),
        "/u/alice".to_owned(),
        "/search?q=script".to_owned(),
        format!("/m/{id}"),
    ] {
        let seen = page(&app, &path, None).await;
        assert!(
            seen.body.contains(escaped),
            "{path} shows the title as text"
        );
        assert!(
            !seen.body.contains("<script") && !seen.body.contains("<b>bold"),
            "{path}"
        );
    }
    let clip = page(&app, &format!("/m/{id}"), None).await;
    assert!(clip
        .body
        .contains("&lt;img src=x onerror=alert(1)&gt;\nsecond line"));
    let search = page(&app, "/search?q=%22%3E%3Cscript%3E", None).await;
    assert!(
        search.body.contains("value=\"&quot;&gt;&lt;script&gt;\""),
        "the query is echoed as text"
    );
}

async fn every_page_has_its_security_and_cache_headers(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let id = upload_titled(&app, &alice, "Harbour at noon", "public").await;
    let store = format!("http://{}", app.store_addr);
    let own = session_through_link(&app, &alice, &alice).await;
    for (path, session, cache) in [
        ("/".to_owned(), None, "public, max-age=60"),
        ("/u/alice".to_owned(), None, "public, max-age=60"),
        ("/search?q=harbour".to_owned(), None, "public, max-age=60"),
        (
            "/u/alice".to_owned(),
            Some(own.as_str()),
            "private, no-store",
        ),
        ("/".to_owned(), Some(own.as_str()), "private, no-store"),
        (
            "/friends".to_owned(),
            Some(own.as_str()),
            "private, no-store",
        ),
        (format!("/m/{id}"), None, "no-store"),
    ] {
        let seen = page(&app, &path, session).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}");
        assert_eq!(seen.header("cache-control"), cache, "{path}");
        assert_eq!(seen.header("content-type"), "text/html; charset=utf-8");
        let csp = seen.header("content-security-policy");
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{path}: {csp}"
        );
        assert!(
            csp.contains(&format!("img-src 'self' {store};"))
                && csp.contains(&format!("media-src 'self' {store};"))
        );
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"));
        assert!(
            seen.body.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{path}"
        );
        assert!(seen
            .body
            .contains("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"));
    }
    assert!(page(&app, "/u/alice", None)
        .await
        .header("vary")
        .contains("Cookie"));

    let unknown = page(&app, "/no/such/page", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("<html lang=\"en\">") && unknown.body.contains("Not found"));
    assert!(unknown
        .header("content-security-policy")
        .starts_with("default-src 'none'"));
    let api = app
        .call(reqwest::Method::GET, "/v1/no-such-endpoint", None, None)
        .await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.json::<Value>().await.unwrap()["error"]["code"],
        "not_found",
        "the API keeps JSON errors"
    );
    let long = "x".repeat(101);
    let too_long = page(&app, &format!("/search?q={long}"), None).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.body.contains("limited to 100 characters"));

    let doc: Value = app
        .client
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/",
        "/u/{username}",
        "/m/{media_id}",
        "/search",
        "/friends",
        "/login",
        "/logout",
        "/v1/users/{id}/blog-link",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is in the OpenAPI document"
        );
    }
    assert!(
        doc["paths"]["/u/{username}"]["get"]["responses"]["200"]["content"]["text/html"]
            .is_object()
    );
}

/// Plays a clip through the JSON API, as the IM client does.
async fn play(app: &TestApp, token: &str, media_id: &str) {
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}/play"), token)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn hot_counts_plays_and_latest_lists_the_newest(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let older = upload_titled(&app, &alice, "Older harbour", "public").await;
    let newer = upload_titled(&app, &bob, "Newer mountain", "public").await;
    let secret = upload_titled(&app, &alice, "Friends only party", "friends").await;
    play(&app, &bob.token, &older).await;
    for _ in 0..2 {
        play(&app, &alice.token, &newer).await;
    }
    for _ in 0..5 {
        play(&app, &bob.token, &secret).await;
    }
    let home = page(&app, "/", None).await.body;
    let (hot, latest) = home
        .split_once("<h2>Latest</h2>")
        .expect("a latest section");
    let position = |html: &str, text: &str| {
        html.find(text)
            .unwrap_or_else(|| panic!("{text} is listed"))
    };
    assert!(
        position(hot, "Newer mountain") < position(hot, "Older harbour"),
        "most played first"
    );
    assert!(hot.contains("2 plays") && hot.contains("1 play"));
    assert!(
        position(latest, "Newer mountain") < position(latest, "Older harbour"),
        "newest first"
    );
    assert!(
        !home.contains("Friends only party"),
        "home lists public clips only"
    );
    assert!(hot.contains("href=\"/u/bob\""), "each clip links its blog");
}

async fn search_finds_blogs_by_name_or_id_and_clips_by_title(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bobby_tables").await;
    app.befriend(&alice, &bob).await;
    upload_titled(&app, &alice, "Harbour at noon", "public").await;
    upload_titled(&app, &alice, "Birthday party", "friends").await;
    let results = |q: &str, session: Option<String>| {
        let (app, path) = (&app, format!("/search?q={q}"));
        async move { page(app, &path, session.as_deref()).await.body }
    };
    let by_name = results("ALI", None).await;
    assert!(by_name.contains("href=\"/u/alice\"") && !by_name.contains("href=\"/u/bobby_tables\""));
    let by_id = results(&bob.id, None).await;
    assert!(by_id.contains("href=\"/u/bobby_tables\"") && !by_id.contains("href=\"/u/alice\""));
    assert!(
        results("harBOUR", None).await.contains("Harbour at noon"),
        "titles, any case"
    );
    assert!(
        results("%25", None).await.contains("No blog matches"),
        "% is not a wildcard"
    );
    assert!(
        results("_", None)
            .await
            .contains("href=\"/u/bobby_tables\""),
        "_ matches itself"
    );
    assert!(!results("party", None).await.contains("Birthday party"));
    let bob_session = session_through_link(&app, &bob, &alice).await;
    assert!(
        results("party", Some(bob_session))
            .await
            .contains("Birthday party"),
        "a friend finds it"
    );
    assert!(
        page(&app, "/search", None)
            .await
            .body
            .contains("name=\"q\""),
        "an empty search is a form"
    );
}

async fn a_blog_pages_by_twenty_and_weighs_under_20_kb(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let mut ids = Vec::new();
    for n in 1..=21 {
        let id = upload_titled(
            &app,
            &alice,
            &format!("Evening walk along the harbour, part {n}"),
            "public",
        )
        .await;
        mark_ready_with_poster(&app, &id).await;
        ids.push(id);
    }
    let first = page(&app, "/u/alice", None).await;
    assert_eq!(first.body.matches("<li>").count(), 20);
    assert_eq!(
        first.body.matches("X-Amz-Signature").count(),
        20,
        "every clip shows its poster"
    );
    assert!(first.body.contains("0:04"), "with its duration");
    let older = format!("/u/alice?before={}", ids[1]);
    assert!(
        first.body.contains(&format!("href=\"{older}\"")),
        "a link to older clips"
    );
    let second = page(&app, &older, None).await;
    assert_eq!(second.body.matches("<li>").count(), 1);
    assert!(second.body.contains("part 1<") && !second.body.contains("part 2<"));

    let own = session_through_link(&app, &alice, &alice).await;
    let signed_in = page(&app, "/u/alice", Some(&own)).await;
    for (who, weight) in [
        ("anonymous", first.body.len()),
        ("owner", signed_in.body.len()),
    ] {
        println!("a 20-clip blog page weighs {weight} bytes of HTML and CSS ({who})");
        assert!(weight <= 20 * 1024, "{who}: {weight} bytes");
    }
}

/// Marks a clip ready with a poster, as the transcoder would (the poster's bytes do not
/// matter here: only its presigned URL counts toward the page's weight).
async fn mark_ready_with_poster(app: &TestApp, id: &str) {
    let sql = "UPDATE media SET status = 'ready', progress = 100, duration_ms = 4000, poster_key = $1 WHERE id = $2";
    let key = format!("m/{id}/poster.jpg");
    imshare::on_pool!(app.state.db.write(), p => sqlx::query(sql).bind(&key).bind(id).execute(p).await.map(|_| ()))
        .expect("media updated");
}
