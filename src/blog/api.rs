//! `GET /v1/users/{id}/blog-link`: the address of a blog plus its authentication (SPEC
//! §1B), for the IM client to open in its built-in browser without another login.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::runtime::BlogRuntime;
use crate::accounts::find_user_by_id;
use crate::auth::AuthUser;
use crate::error::CommonError;
use crate::ids::UserId;
use crate::social::are_friends;
use crate::state::AppState;
use crate::time_util::rfc3339;
use crate::web::page::public_base;

/// A signed, short-lived link that opens a blog for the caller.
#[derive(Serialize, ToSchema)]
pub struct BlogLink {
    /// Open it once, soon: the first visit trades it for a browser session.
    url: String,
    expires_at: String,
}

/// A link to a blog the caller may open: their own, or a friend's. Anyone else's is 404,
/// the same as a user that does not exist: a stranger has no use for a link (public clips
/// are on `/u/{username}` for everyone) and the answer does not confirm who exists.
#[utoipa::path(tag = "blog", params(("id" = String, Path, description = "the blog owner's user id")),
    responses((status = 200, body = BlogLink), (status = 401), (status = 404)), security(("bearer" = [])))]
#[get("/v1/users/{id}/blog-link")]
#[tracing::instrument(skip_all, fields(user = %user.id, owner = %path))]
async fn blog_link(
    state: web::Data<AppState>,
    rt: web::Data<BlogRuntime>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, CommonError> {
    let owner = find_user_by_id(&state.db, &path)
        .await?
        .ok_or(CommonError::NotFound("blog"))?;
    if owner.id != user.id && !are_friends(&state.db, &user.id, &owner.id).await? {
        return Err(CommonError::NotFound("blog"));
    }
    let keys = rt.links(&state).await?;
    let (token, expires_at_ms) =
        keys.issue(&user.id, &owner.id, state.settings.blog.link_ttl_secs)?;
    let url = format!(
        "{}/u/{}?link={token}",
        public_base(&state, &req),
        owner.username
    );
    Ok(HttpResponse::Ok()
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(BlogLink {
            url,
            expires_at: rfc3339(expires_at_ms),
        }))
}
