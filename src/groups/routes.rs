//! HTTP routes for groups. Membership changes are handed to delivery so the online table
//! never routes a message to someone who left, or misses someone who joined; a removal
//! also closes the removed member's sockets in the group's sync rooms.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::store::{self, GroupRow};
use super::GroupError;
use crate::accounts::find_user_by_id;
use crate::auth::AuthUser;
use crate::delivery::Revoked;
use crate::ids::{GroupId, UserId};
use crate::social::are_friends;
use crate::state::AppState;
use crate::time_util::rfc3339;

/// Registers the group routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_group)
        .service(add_member)
        .service(remove_member)
        .service(list_groups)
        .service(list_messages);
}

/// A new group's name.
#[derive(Deserialize, ToSchema)]
pub struct NewGroup {
    name: String,
}

/// A group.
#[derive(Serialize, ToSchema)]
pub struct Group {
    id: GroupId,
    name: String,
    owner_id: UserId,
}

impl From<GroupRow> for Group {
    fn from(r: GroupRow) -> Self {
        Group {
            id: r.id,
            name: r.name,
            owner_id: r.owner_id,
        }
    }
}

/// Create a group; the caller owns it and is its first member.
#[utoipa::path(tag = "groups", request_body = NewGroup,
    responses((status = 201, body = Group), (status = 422)), security(("bearer" = [])))]
#[post("/v1/groups")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn create_group(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, GroupError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(GroupError::InvalidInput(
            "name must be 1 to 100 characters".into(),
        ));
    }
    let id = GroupId::generate();
    store::create_group(&state.db, &id, name, &user.id).await?;
    state.delivery.join_group(&id, &user.id);
    Ok(HttpResponse::Created().json(Group {
        id,
        name: name.to_owned(),
        owner_id: user.id,
    }))
}

/// Whom to add.
#[derive(Deserialize, ToSchema)]
pub struct NewMember {
    user_id: UserId,
}

/// Add a member (owner only; the new member must be the owner's friend, so nobody is
/// pulled into a stranger's group).
#[utoipa::path(tag = "groups", request_body = NewMember, params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404)), security(("bearer" = [])))]
#[post("/v1/groups/{id}/members")]
#[tracing::instrument(skip_all, fields(user = %user.id, group = %path))]
async fn add_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<GroupId>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, GroupError> {
    let group = store::group_of_member(&state.db, &path, &user.id)
        .await?
        .ok_or(GroupError::NoSuchGroup)?;
    if group.owner_id != user.id {
        return Err(GroupError::NotOwner);
    }
    if body.user_id != user.id {
        find_user_by_id(&state.db, &body.user_id)
            .await?
            .ok_or_else(|| GroupError::NoSuchUser(body.user_id.clone()))?;
        if !are_friends(&state.db, &user.id, &body.user_id).await? {
            return Err(GroupError::NotFriends);
        }
    }
    store::add_member(&state.db, &group.id, &body.user_id).await?;
    state.delivery.join_group(&group.id, &body.user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a member: the owner removes anyone else, a member removes themself.
#[utoipa::path(tag = "groups", params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
#[delete("/v1/groups/{id}/members/{user_id}")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn remove_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(GroupId, UserId)>,
) -> Result<HttpResponse, GroupError> {
    let (group_id, target) = path.into_inner();
    let group = store::group_of_member(&state.db, &group_id, &user.id)
        .await?
        .ok_or(GroupError::NoSuchGroup)?;
    if target == group.owner_id {
        return Err(GroupError::OwnerCannotLeave);
    }
    if target != user.id && group.owner_id != user.id {
        return Err(GroupError::NotOwner);
    }
    if !store::remove_member(&state.db, &group.id, &target).await? {
        return Err(GroupError::NotAMember);
    }
    let revoked = Revoked::GroupMember {
        group_id: group.id,
        user_id: target,
    };
    state.delivery.revoked(revoked).await;
    Ok(HttpResponse::NoContent().finish())
}

/// The groups the caller belongs to.
#[utoipa::path(tag = "groups", responses((status = 200, body = [Group])), security(("bearer" = [])))]
#[get("/v1/groups")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn list_groups(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, GroupError> {
    let groups: Vec<Group> = store::groups_of(&state.db, &user.id)
        .await?
        .into_iter()
        .map(Group::from)
        .collect();
    Ok(HttpResponse::Ok().json(groups))
}

/// Where to start a page of messages.
#[derive(Deserialize, IntoParams)]
pub struct MessagesQuery {
    /// Messages with a greater seq are returned (default 0: from the start).
    after_seq: Option<i64>,
    /// At most this many (default 100, at most 500).
    limit: Option<i64>,
}

/// A stored group message.
#[derive(Serialize, ToSchema)]
pub struct Message {
    seq: i64,
    from: UserId,
    body: String,
    sent_at: String,
}

/// Messages of a group in seq order (members only).
#[utoipa::path(tag = "groups", params(("id" = String, Path), MessagesQuery),
    responses((status = 200, body = [Message]), (status = 404)), security(("bearer" = [])))]
#[get("/v1/groups/{id}/messages")]
#[tracing::instrument(skip_all, fields(user = %user.id, group = %path))]
async fn list_messages(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<GroupId>,
    query: web::Query<MessagesQuery>,
) -> Result<HttpResponse, GroupError> {
    let group = store::group_of_member(&state.db, &path, &user.id)
        .await?
        .ok_or(GroupError::NoSuchGroup)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let rows =
        store::messages_after(&state.db, &group.id, query.after_seq.unwrap_or(0), limit).await?;
    let list: Vec<Message> = rows
        .into_iter()
        .map(|m| Message {
            seq: m.seq,
            from: m.sender_id,
            body: m.body,
            sent_at: rfc3339(m.sent_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
