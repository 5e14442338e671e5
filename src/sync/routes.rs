//! HTTP routes for sync rooms: create one, read its latest state.

use std::collections::BTreeSet;

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::{Region, SharedUrl};
use super::store::{self, Audience, RoomState};
use super::SyncError;
use crate::auth::AuthUser;
use crate::groups::store::group_of_member;
use crate::ids::{GroupId, RoomId, UserId};
use crate::social::are_friends;
use crate::state::AppState;

/// Most participants a listed room may have.
pub const MAX_PARTICIPANTS: usize = 500;

/// Registers the sync room routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_room).service(get_room);
}

/// A room to create: the URL, and whom to share it with.
#[derive(Deserialize, ToSchema)]
pub struct NewRoom {
    url: String,
    /// Share with this group: its members (all of them, unless `participants` is given),
    /// as they are at each check: a member removed from the group loses the room, one added
    /// gains it.
    group_id: Option<GroupId>,
    /// Users to share with: members of `group_id` if given, else friends of the caller;
    /// each keeps the room while that membership or friendship lasts.
    participants: Option<Vec<UserId>>,
}

/// A created room.
#[derive(Serialize, ToSchema)]
pub struct CreatedRoom {
    room_id: RoomId,
    url: String,
    version: i64,
}

/// The latest state of a room.
#[derive(Serialize, ToSchema)]
pub struct RoomView {
    room_id: RoomId,
    url: String,
    region: Option<Region>,
    version: i64,
    updated_by: UserId,
}

impl From<RoomState> for RoomView {
    fn from(s: RoomState) -> Self {
        RoomView {
            region: s.region(),
            room_id: s.id,
            url: s.url,
            version: s.version,
            updated_by: s.updated_by,
        }
    }
}

/// Create a sync room; the caller is a participant.
#[utoipa::path(tag = "sync", request_body = NewRoom,
    responses((status = 201, body = CreatedRoom), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
#[post("/v1/sync-rooms")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn create_room(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, SyncError> {
    let NewRoom {
        url,
        group_id,
        participants,
    } = body.into_inner();
    let url = SharedUrl::parse(&url).map_err(SyncError::InvalidUrl)?;
    let listed = allowed_participants(&state, &user.id, group_id.as_ref(), participants).await?;
    let audience = match &listed {
        Some(users) => Audience::Listed(users),
        None => Audience::WholeGroup,
    };
    let id = RoomId::generate();
    store::create_room(&state.db, &id, &user.id, group_id.as_ref(), &url, audience).await?;
    Ok(HttpResponse::Created().json(CreatedRoom {
        room_id: id,
        url: url.as_str().to_owned(),
        version: 1,
    }))
}

/// The caller plus the requested participants, each checked: members of the group (of
/// which the caller must be a member) for a group room, else friends of the caller. None
/// for a group room without a list: it is for the whole group, as its membership changes.
async fn allowed_participants(
    state: &AppState,
    caller: &UserId,
    group_id: Option<&GroupId>,
    requested: Option<Vec<UserId>>,
) -> Result<Option<Vec<UserId>>, SyncError> {
    let members: Option<BTreeSet<UserId>> = match group_id {
        Some(g) => {
            if group_of_member(&state.db, g, caller).await?.is_none() {
                return Err(SyncError::GroupNotFound);
            }
            if requested.is_none() {
                return Ok(None);
            }
            Some(
                store::group_members(&state.db, g)
                    .await?
                    .into_iter()
                    .collect(),
            )
        }
        None => None,
    };
    let mut chosen: BTreeSet<UserId> = requested.unwrap_or_default().into_iter().collect();
    chosen.insert(caller.clone());
    if chosen.len() > MAX_PARTICIPANTS {
        return Err(SyncError::InvalidInput(format!(
            "a room has at most {MAX_PARTICIPANTS} participants; this one would have {}",
            chosen.len()
        )));
    }
    for user in chosen.iter().filter(|u| *u != caller) {
        let allowed = match &members {
            Some(members) => members.contains(user),
            None => are_friends(&state.db, caller, user).await?,
        };
        if !allowed {
            return Err(SyncError::NotAllowed(user.clone()));
        }
    }
    Ok(Some(chosen.into_iter().collect()))
}

/// The room's latest URL, region and version (participants only, as of now).
#[utoipa::path(tag = "sync", params(("id" = String, Path)),
    responses((status = 200, body = RoomView), (status = 404)), security(("bearer" = [])))]
#[get("/v1/sync-rooms/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn get_room(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoomId>,
) -> Result<HttpResponse, SyncError> {
    let room = store::state_for(&state.db, &id, &user.id)
        .await?
        .ok_or(SyncError::RoomNotFound)?;
    Ok(HttpResponse::Ok().json(RoomView::from(room)))
}
