//! The mobile blog: pages over HTTP as a phone's browser sees them, the signed links that
//! open them from the IM client, and the visibility rule on every page.

mod links;
mod pages;
mod player;
mod sign_in;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{put_presigned, small_clip, spawn_app_with, Backend, TestApp, TestUser};

/// A page as the browser got it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// A response header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// The app with no in-process transcoder (clips stay `processing`, which most page tests
/// want) and no page cache (so a page always shows the latest state).
pub async fn app_without_worker(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.media.in_process_worker = false;
        s.blog.page_cache_secs = 0;
    })
    .await
}

/// GETs a page, with the session cookie if given.
pub async fn page(app: &TestApp, path: &str, session: Option<&str>) -> Page {
    let mut req = app.client.get(format!("{}{}", app.address, path));
    if let Some(cookie) = session {
        req = req.header("cookie", format!("imshare_session={cookie}"));
    }
    into_page(req.send().await.expect("the page answers")).await
}

/// Reads a response as a page.
pub async fn into_page(res: Response) -> Page {
    let status = res.status();
    let headers = res.headers().clone();
    Page {
        status,
        headers,
        body: res.text().await.expect("a text body"),
    }
}

/// Uploads a small clip with this title and visibility; it stays as the store has it.
pub async fn upload_titled(
    app: &TestApp,
    user: &TestUser,
    title: &str,
    visibility: &str,
) -> String {
    let clip = small_clip();
    let body = json!({"size": clip.len(), "content_type": "video/mp4", "title": title, "visibility": visibility});
    let res = app.request_upload(user, body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: Value = res.json().await.unwrap();
    assert!(put_presigned(&app.client, &grant, clip.to_vec())
        .await
        .status()
        .is_success());
    let done = app
        .complete_upload(user, grant["upload_id"].as_str().unwrap())
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    grant["media_id"].as_str().unwrap().to_owned()
}

/// `GET /v1/users/{owner}/blog-link` as `user`.
pub async fn request_link(app: &TestApp, user: &TestUser, owner_id: &str) -> Response {
    app.get(&format!("/v1/users/{owner_id}/blog-link"), &user.token)
        .await
}

/// `user`'s link to `owner`'s blog, followed: the session cookie it set.
pub async fn session_through_link(app: &TestApp, user: &TestUser, owner: &TestUser) -> String {
    let res = request_link(app, user, &owner.id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a fresh link signs in");
    cookie(res.headers(), "imshare_session").expect("the link sets a session cookie")
}

/// The value a `Set-Cookie` header gives `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    set_cookie_line(headers, name).and_then(|line| {
        line.split(';')
            .next()?
            .split_once('=')
            .map(|(_, v)| v.to_owned())
    })
}

/// The whole `Set-Cookie` line of `name`.
pub fn set_cookie_line(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// `&amp;` in an attribute back to `&`, to open a URL a page lists.
pub fn unescape_attr(url: &str) -> String {
    url.replace("&amp;", "&")
}

/// The value of the first `attr="..."` after `marker` in `html`.
pub fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let from = html.find(marker)?;
    let rest = &html[from..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(&rest[start..start + end])
}
