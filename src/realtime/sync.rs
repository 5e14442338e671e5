//! The gateway side of region sync: `sync.region` updates and `sync.join` (see
//! [`crate::sync`] for the store and [`super::frames`] for the frame table).

use super::frames::ServerFrame;
use super::handler::ConnCtx;
use super::route;
use crate::sync::domain::{Region, SharedUrl};
use crate::sync::store::{self, Applied, Change};

/// A `sync.region` frame as received.
pub struct RegionUpdate {
    pub room_id: String,
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
    let change = Change {
        room_id: &update.room_id,
        user_id: &ctx.user_id,
        url: url.as_ref(),
        region,
        seen_version: update.version,
    };
    match store::apply(&ctx.state.db, &change).await {
        Ok(Applied::Updated(state)) => {
            let frame = ServerFrame::sync_state(&state).encode();
            match store::participants(&ctx.state.db, &state.id).await {
                Ok(users) => {
                    for user in users {
                        route::to_user(&ctx.state, &user, frame.clone()).await;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "listing room participants failed");
                    ctx.reply(&ServerFrame::sync_state(&state));
                }
            }
        }
        Ok(Applied::Stale(current)) => ctx.reply(&ServerFrame::sync_state(&current)),
        Ok(Applied::NotParticipant) => not_a_participant(ctx),
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
pub async fn join(ctx: &ConnCtx, room_id: &str) {
    match store::state_for(&ctx.state.db, room_id, &ctx.user_id).await {
        Ok(Some(state)) => ctx.reply(&ServerFrame::sync_state(&state)),
        Ok(None) => not_a_participant(ctx),
        Err(e) => {
            tracing::error!(error = %e, "reading a sync room failed");
            ctx.error("internal", "could not read the room; send sync.join again");
        }
    }
}

fn not_a_participant(ctx: &ConnCtx) {
    ctx.error(
        "sync_room_not_found",
        "no such sync room, or you are not one of its participants",
    );
}
