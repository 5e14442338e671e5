//! HTTP routes for friends.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, Asked};
use super::SocialError;
use crate::accounts::{find_user_by_id, find_user_by_username, Presence, Username};
use crate::auth::AuthUser;
use crate::delivery::Revoked;
use crate::events::{self, EventKind};
use crate::ids::{FriendRequestId, UserId};
use crate::state::AppState;

/// Registers the friend routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(send_request)
        .service(list_requests)
        .service(accept_request)
        .service(list_friends)
        .service(remove_friend);
}

/// Whom to befriend.
#[derive(Deserialize, ToSchema)]
pub struct FriendRequestInput {
    username: String,
}

/// A friend request.
#[derive(Serialize, ToSchema)]
pub struct FriendRequest {
    id: FriendRequestId,
    /// The requester's user id.
    from: UserId,
    from_username: String,
    /// The addressee's user id.
    to: UserId,
    to_username: String,
    /// `pending` or `accepted`.
    status: String,
}

/// Ask another user to be friends.
#[utoipa::path(tag = "friends", request_body = FriendRequestInput,
    responses((status = 201, body = FriendRequest), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
#[post("/v1/friends/requests")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn send_request(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<FriendRequestInput>,
) -> Result<HttpResponse, SocialError> {
    let not_found = || SocialError::NoSuchUser(body.username.clone());
    let name = Username::parse(&body.username).map_err(|_| not_found())?;
    let target = find_user_by_username(&state.db, name.as_str())
        .await?
        .ok_or_else(not_found)?;
    if target.id == user.id {
        return Err(SocialError::SelfRequest);
    }
    let id = FriendRequestId::generate();
    match store::request(&state.db, &id, &user.id, &target.id).await? {
        Asked::Sent => {}
        Asked::AlreadyFriends => return Err(SocialError::AlreadyFriends),
        Asked::Pending => return Err(SocialError::RequestExists),
    }
    let me = find_user_by_id(&state.db, &user.id)
        .await?
        .ok_or_else(not_found)?;
    let told = json!({"request_id": id, "from": user.id, "from_username": me.username});
    tell(&state, &target.id, EventKind::FriendRequest, &told).await;
    Ok(HttpResponse::Created().json(FriendRequest {
        id,
        from: user.id,
        from_username: me.username,
        to: target.id,
        to_username: target.username,
        status: "pending".into(),
    }))
}

/// Friend requests to and from the caller.
#[utoipa::path(tag = "friends", responses((status = 200, body = [FriendRequest])), security(("bearer" = [])))]
#[get("/v1/friends/requests")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn list_requests(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, SocialError> {
    let rows = store::list_requests(&state.db, &user.id).await?;
    let list: Vec<FriendRequest> = rows
        .into_iter()
        .map(|r| FriendRequest {
            id: r.id,
            from: r.from_id,
            from_username: r.from_username,
            to: r.to_id,
            to_username: r.to_username,
            status: r.status,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// A friend's id and name.
#[derive(Serialize, ToSchema)]
pub struct FriendRef {
    id: UserId,
    username: String,
}

/// The result of accepting.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    friend: FriendRef,
}

/// Accept a request addressed to the caller.
#[utoipa::path(tag = "friends", params(("id" = String, Path, description = "request id")),
    responses((status = 200, body = Accepted), (status = 404)), security(("bearer" = [])))]
#[post("/v1/friends/requests/{id}/accept")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn accept_request(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<FriendRequestId>,
) -> Result<HttpResponse, SocialError> {
    let (id, username) = store::accept_request(&state.db, &path, &user.id)
        .await?
        .ok_or(SocialError::NoSuchRequest)?;
    let told = json!({"user_id": user.id, "request_id": *path});
    tell(&state, &id, EventKind::FriendAccepted, &told).await;
    Ok(HttpResponse::Ok().json(Accepted {
        friend: FriendRef { id, username },
    }))
}

/// Sends `to` an event about a friendship. The change is committed already, so a failure
/// to record the event is logged rather than undoing it; the friend list still shows it.
async fn tell(state: &AppState, to: &UserId, kind: EventKind, payload: &serde_json::Value) {
    if let Err(e) = events::send(&state.db, &state.delivery, to, kind, payload, None).await {
        tracing::error!(error = %e, %kind, "recording a friend event failed");
    }
}

/// A friend with presence.
#[derive(Serialize, ToSchema)]
pub struct Friend {
    id: UserId,
    username: String,
    display_name: String,
    presence: Presence,
}

/// The caller's friends with their presence.
#[utoipa::path(tag = "friends", responses((status = 200, body = [Friend])), security(("bearer" = [])))]
#[get("/v1/friends")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn list_friends(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, SocialError> {
    let mut friends = Vec::new();
    for f in store::list_friends(&state.db, &user.id).await? {
        friends.push(Friend {
            // The chosen status shows only while connected, on this node or another.
            presence: state.delivery.shown(&f.id).await,
            id: f.id,
            username: f.username,
            display_name: f.display_name,
        });
    }
    Ok(HttpResponse::Ok().json(friends))
}

/// End a friendship.
#[utoipa::path(tag = "friends", params(("user_id" = String, Path)),
    responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[delete("/v1/friends/{user_id}")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn remove_friend(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, SocialError> {
    if !store::remove_friend(&state.db, &user.id, &path).await? {
        return Err(SocialError::NotFriends);
    }
    // Live shares and sync rooms resting on the friendship end with it, open sockets too.
    let revoked = Revoked::Friendship {
        a: user.id,
        b: path.into_inner(),
    };
    state.delivery.revoked(revoked).await;
    Ok(HttpResponse::NoContent().finish())
}
