//! The gateway side of region sync: `sync.region` updates and `sync.join` (see
//! [`crate::sync`] for the store and [`super::frames`] for the frame table).
//!
//! Every frame is checked against the sender's right to the room as it is now (the store
//! derives it per query). A connection that joined or sent to a room is recorded with
//! delivery as in it; when the user's right to the room ends, [`crate::sync::RoomRecheck`]
//! closes it.

use super::handler::ConnCtx;
use crate::delivery::{ServerFrame, MAX_ROOMS_PER_CONN};
use crate::ids::RoomId;
use crate::sync::domain::{Region, SharedUrl};
use crate::sync::store::{self, Applied, Change, RoomState};

/// A `sync.region` frame as received.
pub struct RegionUpdate {
    pub room_id: RoomId,
    pub url: Option<String>,
    pub region: (i64, i64, i64, i64),
    pub version: i64,
}

/// Applies an update made from the version the sender saw; the winner's state goes to
/// every participant's connections, a stale sender gets the current state back.
#[tracing::instrument(skip_all, fields(user = %ctx.user_id, room = %update.room_id))]
pub async fn region(ctx: &ConnCtx, update: RegionUpdate) {
    let (x, y, width, height) = update.region;
    let region = match Region::parse(x, y, width, height) {
        Ok(r) => r,
        Err(why) => return ctx.error("invalid_region", &why),
    };
    let url = match update.url.as_deref().map(SharedUrl::parse).transpose() {
        Ok(u) => u,
        Err(why) => return ctx.error("invalid_url", &why),
    };
    if !enter(ctx, &update.room_id) {
        return;
    }
    let change = Change {
        room_id: &update.room_id,
        user_id: &ctx.user_id,
        url: url.as_ref(),
        region,
        seen_version: update.version,
    };
    match store::apply(&ctx.state.db, &change).await {
        Ok(Applied::Updated(state)) => {
            let frame = state_frame(&state).encode();
            match store::participants(&ctx.state.db, &state.id).await {
                Ok(users) => {
                    for user in users {
                        ctx.state.delivery.to_user(&user, frame.clone()).await;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "listing room participants failed");
                    ctx.reply(&state_frame(&state));
                }
            }
        }
        Ok(Applied::Stale(current)) => ctx.reply(&state_frame(&current)),
        Ok(Applied::NotParticipant) => not_a_participant(ctx, &update.room_id),
        Err(e) => {
            tracing::error!(error = %e, "applying a region update failed");
            ctx.error(
                "internal",
                "the region was not stored; send sync.join, then the update again",
            );
        }
    }
}

/// Sends the room's current state to this connection.
#[tracing::instrument(skip_all, fields(user = %ctx.user_id, room = %room_id))]
pub async fn join(ctx: &ConnCtx, room_id: &RoomId) {
    if !enter(ctx, room_id) {
        return;
    }
    match store::state_for(&ctx.state.db, room_id, &ctx.user_id).await {
        Ok(Some(state)) => ctx.reply(&state_frame(&state)),
        Ok(None) => not_a_participant(ctx, room_id),
        Err(e) => {
            tracing::error!(error = %e, "reading a sync room failed");
            ctx.error("internal", "could not read the room; send sync.join again");
        }
    }
}

/// Records the connection as in the room before its right is checked, so a revocation
/// that lands between the check and the record still finds it; false (and an error sent)
/// if the connection is in too many rooms.
fn enter(ctx: &ConnCtx, room_id: &RoomId) -> bool {
    if ctx
        .state
        .delivery
        .enter_room(&ctx.user_id, ctx.conn_id, room_id)
    {
        return true;
    }
    let why = format!(
        "one connection may be in at most {MAX_ROOMS_PER_CONN} sync rooms; open another connection"
    );
    ctx.error("too_many_rooms", &why);
    false
}

fn not_a_participant(ctx: &ConnCtx, room_id: &RoomId) {
    ctx.state
        .delivery
        .leave_room(&ctx.user_id, ctx.conn_id, room_id);
    ctx.error(
        "sync_room_not_found",
        "no such sync room, or you are not one of its participants",
    );
}

/// A `sync.region` frame of a room's stored state.
fn state_frame(state: &RoomState) -> ServerFrame<'_> {
    let region = state.region();
    ServerFrame::SyncRegion {
        room_id: &state.id,
        url: &state.url,
        x: region.map(|r| r.x),
        y: region.map(|r| r.y),
        width: region.map(|r| r.width),
        height: region.map(|r| r.height),
        version: state.version,
        updated_by: &state.updated_by,
    }
}
