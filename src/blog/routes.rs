//! The list pages: home (hot and latest), a user's blog, search, the friend list.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use imshare_templates::{self as views, BlogView, FriendsView, HomeView, Markup, Page, SearchView};
use serde::Deserialize;
use utoipa::IntoParams;

use super::cards::{cards, users};
use super::runtime::BlogRuntime;
use super::{link, store};
use crate::accounts::{find_user_by_username, UserRow, Username};
use crate::ids::{MediaId, UserId};
use crate::state::AppState;
use crate::time_util::now_ms;
use crate::web::page::{self, Caching};
use crate::web::session::Visitor;
use crate::web::PageError;

/// Clips on one page of a blog.
const PAGE_SIZE: usize = 20;
/// Clips in each home-page list and in search results.
const LIST_SIZE: i64 = 10;
const SEARCH_SIZE: i64 = 20;
/// Longest search text, in characters.
const MAX_QUERY_CHARS: usize = 100;

/// The home page: the most played public clips of the last days, and the newest.
#[utoipa::path(tag = "blog", responses((status = 200, description = "the home page", content_type = "text/html")))]
#[get("/")]
#[tracing::instrument(skip_all)]
async fn home(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    if let Some(hit) = from_cache(&state, &rt, &req, &visitor).await? {
        return Ok(hit);
    }
    let days = state.settings.blog.hot_days;
    let since = now_ms() - i64::from(days) * 86_400_000;
    let view = HomeView {
        hot: cards(&state, &rt, store::hot(&state.db, since, LIST_SIZE).await?).await?,
        latest: cards(&state, &rt, store::latest(&state.db, LIST_SIZE).await?).await?,
        hot_days: days,
    };
    let markup = views::home(&Page::new("Hot and latest clips", visitor.nav()), &view);
    respond(&state, &rt, &req, &visitor, markup).await
}

/// Paging and the signed link of a blog.
#[derive(Deserialize, IntoParams)]
pub struct BlogQuery {
    /// Only clips older than this media id (the "older clips" link).
    before: Option<MediaId>,
    /// A signed blog link: traded for a session cookie, then redirected to the clean URL.
    link: Option<String>,
}

/// A user's blog: the clips this visitor may see, newest first, twenty a page.
#[utoipa::path(tag = "blog", params(("username" = String, Path), BlogQuery), responses(
    (status = 200, description = "the blog", content_type = "text/html"),
    (status = 303, description = "a valid link: session cookie set, on to the clean URL"),
    (status = 403, description = "a damaged or forged link", content_type = "text/html"),
    (status = 404, description = "no such user", content_type = "text/html"),
    (status = 410, description = "an expired or used link", content_type = "text/html"),
    (status = 429, description = "too many failed links from this address; see Retry-After", content_type = "text/html")))]
#[get("/u/{username}")]
#[tracing::instrument(skip_all, fields(blog = %path))]
async fn blog(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<BlogQuery>,
) -> Result<HttpResponse, PageError> {
    if let Some(token) = &query.link {
        let owner = owner_named(&state, &path).await?;
        return link::follow(&state, &rt, &req, &visitor, &owner, token).await;
    }
    if let Some(hit) = from_cache(&state, &rt, &req, &visitor).await? {
        return Ok(hit);
    }
    let owner = owner_named(&state, &path).await?;
    // An empty `?before=` is the first page, as no `before` is.
    let before = query.before.as_ref().filter(|b| !b.as_str().is_empty());
    let mut rows = store::blog_page(
        &state.db,
        &owner.id,
        visitor.id(),
        before,
        PAGE_SIZE as i64 + 1,
    )
    .await?;
    let older_href = (rows.len() > PAGE_SIZE)
        .then(|| format!("/u/{}?before={}", owner.username, rows[PAGE_SIZE - 1].id));
    rows.truncate(PAGE_SIZE);
    let view = BlogView {
        own: visitor.id() == Some(&owner.id),
        clips: cards(&state, &rt, rows).await?,
        older_href,
        paged: before.is_some(),
        username: owner.username,
        display_name: owner.display_name,
    };
    let markup = views::blog(&Page::new(view.display_name.clone(), visitor.nav()), &view);
    respond(&state, &rt, &req, &visitor, markup).await
}

/// What to search for.
#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words of a user name, display name or clip title, or an exact user id.
    q: Option<String>,
}

/// Blogs by name or exact user id, and clips by title (only clips this visitor may see).
#[utoipa::path(tag = "blog", params(SearchQuery), responses(
    (status = 200, description = "the results", content_type = "text/html"),
    (status = 400, description = "a query over 100 characters", content_type = "text/html")))]
#[get("/search")]
#[tracing::instrument(skip_all)]
async fn search(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.q.as_deref().unwrap_or("").trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(PageError::BadRequest(format!(
            "Search text is limited to {MAX_QUERY_CHARS} characters; shorten it and search again."
        )));
    }
    if let Some(hit) = from_cache(&state, &rt, &req, &visitor).await? {
        return Ok(hit);
    }
    let mut view = SearchView {
        query: q.to_owned(),
        users: Vec::new(),
        clips: Vec::new(),
    };
    if !q.is_empty() {
        let pattern = store::contains_pattern(q);
        // The text is also tried as an exact user id.
        let exact_id = UserId::from(q);
        view.users = users(store::search_users(&state.db, &exact_id, &pattern, SEARCH_SIZE).await?);
        view.clips = cards(
            &state,
            &rt,
            store::search_clips(&state.db, visitor.id(), &pattern, SEARCH_SIZE).await?,
        )
        .await?;
    }
    let title = if q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {q}")
    };
    let markup = views::search(&Page::new(title, visitor.nav()), &view);
    respond(&state, &rt, &req, &visitor, markup).await
}

/// The signed-in visitor's friends, each linking to their blog.
#[utoipa::path(tag = "blog", responses(
    (status = 200, description = "the friend list", content_type = "text/html"),
    (status = 303, description = "not signed in: on to the sign-in page")))]
#[get("/friends")]
#[tracing::instrument(skip_all)]
async fn friends(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let Some(me) = &visitor.0 else {
        return Ok(page::see_other("/login?next=/friends").finish());
    };
    let view = FriendsView {
        friends: users(store::friends(&state.db, &me.user_id).await?),
    };
    let markup = views::friends(&Page::new("Friends", visitor.nav()), &view);
    Ok(page::html(
        StatusCode::OK,
        markup.into_string(),
        Caching::Personal,
        rt.csp(&state).await?,
    ))
}

/// The user a blog address names; a malformed name names nobody.
async fn owner_named(state: &AppState, username: &str) -> Result<UserRow, PageError> {
    let name = Username::parse(username).map_err(|_| PageError::NotFound)?;
    find_user_by_username(&state.db, name.as_str())
        .await?
        .ok_or(PageError::NotFound)
}

/// An anonymous visitor's page from this worker's short cache, if it is there.
async fn from_cache(
    state: &AppState,
    rt: &BlogRuntime,
    req: &HttpRequest,
    visitor: &Visitor,
) -> Result<Option<HttpResponse>, PageError> {
    if visitor.is_signed_in() {
        return Ok(None);
    }
    let ttl = Duration::from_secs(state.settings.blog.page_cache_secs);
    match rt.cached_page(&req.uri().to_string(), ttl) {
        Some(body) => Ok(Some(page::html(
            StatusCode::OK,
            body,
            Caching::Public,
            rt.csp(state).await?,
        ))),
        None => Ok(None),
    }
}

/// The rendered page: personal for a signed-in visitor, else public and kept briefly.
async fn respond(
    state: &AppState,
    rt: &BlogRuntime,
    req: &HttpRequest,
    visitor: &Visitor,
    markup: Markup,
) -> Result<HttpResponse, PageError> {
    let body = Bytes::from(markup.into_string());
    let csp = rt.csp(state).await?;
    if visitor.is_signed_in() {
        return Ok(page::html(StatusCode::OK, body, Caching::Personal, csp));
    }
    let ttl = Duration::from_secs(state.settings.blog.page_cache_secs);
    if !ttl.is_zero() {
        rt.keep_page(req.uri().to_string(), body.clone());
    }
    Ok(page::html(StatusCode::OK, body, Caching::Public, csp))
}
