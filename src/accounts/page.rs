//! The sign-in form for browsers that arrive without a blog link (every page sends an
//! anonymous visitor here), and sign-out (every page's header carries its button). Both
//! posts are checked against forgery twice: the `Origin` must be this service, and the
//! form must carry its token (a cookie on sign-in, derived from the session on sign-out).
//! Their OpenAPI tag is still `blog`, where the document has always listed them.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use imshare_templates::{self as views, LoginView, Page};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use utoipa::{IntoParams, ToSchema};

use super::domain::Username;
use super::sign_in::{check_credentials, SignInError};
use crate::error::set_retry_after;
use crate::net::ClientIp;
use crate::state::AppState;
use crate::web::page::{self, Caching};
use crate::web::session::{self, Visitor};
use crate::web::PageError;

/// The sign-in form's anti-forgery cookie, scoped to `/login`.
const CSRF_COOKIE: &str = "imshare_login";

/// Where to go after signing in.
#[derive(Deserialize, IntoParams)]
pub struct NextQuery {
    /// A local path; anything else goes to the visitor's own blog.
    next: Option<String>,
}

/// The sign-in form.
#[utoipa::path(tag = "blog", params(NextQuery), responses(
    (status = 200, description = "the form", content_type = "text/html"),
    (status = 303, description = "already signed in: on to `next`")))]
#[get("/login")]
#[tracing::instrument(skip_all)]
async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(query.next.as_deref());
    if let Some(me) = &visitor.0 {
        return Ok(page::see_other(next.unwrap_or(&format!("/u/{}", me.username))).finish());
    }
    let view = LoginView {
        csrf: String::new(),
        next: next.unwrap_or("").to_owned(),
        username: String::new(),
        error: None,
    };
    Ok(form_page(&state, &req, StatusCode::OK, view))
}

/// What the sign-in form posts.
#[derive(Deserialize, ToSchema)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Sign in with a username and password; starts a browser session.
#[utoipa::path(tag = "blog", request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
    (status = 303, description = "signed in: session cookie set, on to `next` or the visitor's blog"),
    (status = 401, description = "wrong username or password: the form again", content_type = "text/html"),
    (status = 429, description = "too many failures for this account or address: the form again, with Retry-After", content_type = "text/html"),
    (status = 503, description = "too many passwords being checked: try again shortly", content_type = "text/html"),
    (status = 403, description = "a forged or stale form", content_type = "text/html")))]
#[post("/login")]
#[tracing::instrument(skip_all)]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: ClientIp,
    visitor: Visitor,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    if !page::same_origin(&state, &req) {
        return Err(PageError::Forbidden(
            "This sign-in form was sent from another site. Open /login here and sign in.",
        ));
    }
    let expected = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return Err(PageError::Forbidden(
            "This sign-in form has expired. Reload the sign-in page and try again.",
        ));
    }
    let form = form.into_inner();
    let refused = |status, error: String| {
        let view = LoginView {
            csrf: expected.clone(),
            next: local_path(Some(&form.next)).unwrap_or("").to_owned(),
            username: form.username.clone(),
            error: Some(error),
        };
        form_page(&state, &req, status, view)
    };
    let user_id = match check_credentials(&state, client, &form.username, form.password).await {
        Ok(id) => id,
        Err(SignInError::Wrong) => {
            let error = "Wrong username or password. Check both and try again.".to_owned();
            return Ok(refused(StatusCode::UNAUTHORIZED, error));
        }
        Err(SignInError::Throttled(t)) => {
            let error = format!(
                "Too many failed sign-ins for this account or from your address. Wait {} seconds, then try again.",
                t.retry_after_secs()
            );
            let mut res = refused(StatusCode::TOO_MANY_REQUESTS, error);
            set_retry_after(&mut res, t.retry_after_secs());
            return Ok(res);
        }
        Err(SignInError::Hashing(e)) => return Err(e.into()),
        Err(SignInError::Unexpected(e)) => return Err(e.into()),
    };
    session::end(&state, &visitor).await?;
    let cookie = session::start(&state, &req, &user_id).await?;
    let username = Username::parse(&form.username)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    let target =
        local_path(Some(&form.next)).map_or_else(|| format!("/u/{username}"), str::to_owned);
    let mut used = Cookie::build(CSRF_COOKIE, "").path("/login").finish();
    used.make_removal();
    Ok(page::see_other(&target)
        .cookie(cookie)
        .cookie(used)
        .finish())
}

/// What the sign-out button posts.
#[derive(Deserialize, ToSchema)]
pub struct LogoutForm {
    csrf: String,
}

/// Sign out: ends the browser session.
#[utoipa::path(tag = "blog", request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "signed out: on to the home page"),
    (status = 403, description = "a forged form", content_type = "text/html")))]
#[post("/logout")]
#[tracing::instrument(skip_all)]
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    let Some(me) = &visitor.0 else {
        return Ok(page::see_other("/").finish());
    };
    if !me.sent_from_own_page(&state, &req, &form.csrf) {
        return Err(PageError::Forbidden(
            "This sign-out form was not sent from one of your pages here. Sign out from the menu.",
        ));
    }
    let gone = session::end(&state, &visitor).await?;
    Ok(page::see_other("/").cookie(gone).finish())
}

/// The form with a fresh anti-forgery token in the page and in a cookie.
fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    mut view: LoginView,
) -> HttpResponse {
    if view.csrf.is_empty() {
        view.csrf = session::random_token(18);
    }
    let cookie = Cookie::build(CSRF_COOKIE, view.csrf.clone())
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(page::is_https(state, req))
        .max_age(CookieDuration::hours(1))
        .finish();
    let markup = views::login(&Page::new("Sign in", None), &view);
    let mut res = page::html(
        status,
        markup.into_string(),
        Caching::NoStore,
        &page::base_csp(),
    );
    // Adding a well-formed cookie cannot fail; a failure would only cost the token.
    let _ = res.add_cookie(&cookie);
    res
}

/// `next` if it is a path on this site (not `//host` or anything with spaces or controls).
fn local_path(next: Option<&str>) -> Option<&str> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.starts_with("/\\")
            && n.len() <= 512
            && n.bytes().all(|b| b.is_ascii_graphic())
    })
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/friends")), Some("/friends"));
        assert_eq!(
            local_path(Some("/u/alice?before=x")),
            Some("/u/alice?before=x")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/a b",
            "",
            "/a\r\nSet-Cookie:x",
        ] {
            assert_eq!(local_path(Some(bad)), None, "{bad:?}");
        }
    }
}
