//! The sign-in form for browsers without a link, and sign-out: both refuse forged posts.

use reqwest::{Response, StatusCode};

use super::{
    app_without_worker, attr_after, cookie, into_page, page, set_cookie_line, upload_titled,
};
use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(
    sign_in_checks_the_forms_token_and_origin,
    sign_out_ends_the_session
);

/// Opens `/login`: the form's token, which the page and its cookie both carry.
async fn open_form(app: &TestApp) -> String {
    let form = page(app, "/login", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header("cache-control"), "no-store");
    let line = set_cookie_line(&form.headers, "imshare_login").expect("a token cookie");
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    let token = cookie(&form.headers, "imshare_login").unwrap();
    assert_eq!(
        attr_after(&form.body, "name=\"csrf\"", "value"),
        Some(token.as_str())
    );
    token
}

/// POSTs the sign-in form with the token cookie (if any) from `origin`.
async fn post_form(
    app: &TestApp,
    cookie: Option<&str>,
    origin: &str,
    fields: &[(&str, &str)],
) -> Response {
    let mut req = app
        .client
        .post(format!("{}/login", app.address))
        .header("origin", origin)
        .form(fields);
    if let Some(token) = cookie {
        req = req.header("cookie", format!("imshare_login={token}"));
    }
    req.send().await.unwrap()
}

async fn sign_in_checks_the_forms_token_and_origin(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    app.create_user("carol").await;
    upload_titled(&app, &alice, "Birthday party", "friends").await;
    let token = open_form(&app).await;
    let ours = app.address.as_str();
    let good = [
        ("username", "carol"),
        ("password", "carol-password"),
        ("csrf", &token),
        ("next", "/u/alice"),
    ];

    let no_cookie = into_page(post_form(&app, None, ours, &good).await).await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(
        no_cookie.body.contains("expired"),
        "says to reload the form"
    );
    let elsewhere =
        into_page(post_form(&app, Some(&token), "http://evil.example", &good).await).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert!(elsewhere.body.contains("another site"));

    let wrong = [
        ("username", "carol"),
        ("password", "not-her-password"),
        ("csrf", &token),
        ("next", ""),
    ];
    let wrong = into_page(post_form(&app, Some(&token), ours, &wrong).await).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains("Wrong username or password") && wrong.body.contains("value=\"carol\"")
    );
    assert!(set_cookie_line(&wrong.headers, "imshare_session").is_none());

    let signed_in = post_form(&app, Some(&token), ours, &good).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()["location"], "/u/alice");
    let line = set_cookie_line(signed_in.headers(), "imshare_session").unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Lax"),
        "{line}"
    );
    let session = cookie(signed_in.headers(), "imshare_session").unwrap();

    // A stranger signed in sees what an anonymous visitor sees of alice's blog.
    let blog = page(&app, "/u/alice", Some(&session)).await;
    assert!(blog.body.contains("Sign out") && !blog.body.contains("Birthday party"));

    let token = open_form(&app).await;
    let away = [
        ("username", "alice"),
        ("password", "alice-password"),
        ("csrf", &token),
        ("next", "//evil.example/"),
    ];
    let res = post_form(&app, Some(&token), ours, &away).await;
    assert_eq!(
        res.headers()["location"],
        "/u/alice",
        "only local paths are followed"
    );
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let session = super::session_through_link(&app, &bob, &alice).await;
    let friends = page(&app, "/friends", Some(&session)).await;
    let csrf = attr_after(&friends.body, "action=\"/logout\"", "value")
        .expect("a sign-out form")
        .to_owned();
    let logout = |token: String, origin: &'static str| {
        let req = app
            .client
            .post(format!("{}/logout", app.address))
            .header("cookie", format!("imshare_session={session}"))
            .header(
                "origin",
                if origin.is_empty() {
                    app.address.clone()
                } else {
                    origin.to_owned()
                },
            )
            .form(&[("csrf", token)]);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(
        logout("forged".into(), "").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        logout(csrf.clone(), "http://evil.example").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&app, "/friends", Some(&session)).await.status,
        StatusCode::OK,
        "still signed in"
    );

    let out = logout(csrf, "").await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie_line(out.headers(), "imshare_session")
        .unwrap()
        .contains("Max-Age=0"));
    let after = page(&app, "/friends", Some(&session)).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie signs in no one"
    );
    assert_eq!(after.header("location"), "/login?next=/friends");
}
