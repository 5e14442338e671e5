//! Presence: what a user's friends see. A user with at least one connection shows the
//! status they chose (invisible shows as offline); with none they are offline. Only
//! friends are told, and only when what they would see changes.

use super::frames::ServerFrame;
use super::handler::ConnCtx;
use super::route;
use crate::accounts::{find_user_by_id, Presence};
use crate::db::Db;
use crate::on_pool;
use crate::state::AppState;

async fn friend_ids(db: &Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT friend_id FROM friendships WHERE user_id = $1";
    let rows: Vec<(String,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Tells the user's online friends what they now see of the user.
async fn announce(state: &AppState, user_id: &str, status: Presence) {
    let friends = match friend_ids(&state.db, user_id).await {
        Ok(f) => f,
        Err(e) => {
            return tracing::error!(error = %e, "loading friends for a presence change failed")
        }
    };
    let frame = ServerFrame::Presence { user_id, status }.encode();
    for friend in friends {
        route::to_user(state, &friend, frame.clone()).await;
    }
}

/// A connection opened: show the chosen status and tell the new connection who of its
/// friends is online.
pub async fn came_online(ctx: &ConnCtx) {
    let chosen = match find_user_by_id(&ctx.state.db, &ctx.user_id).await {
        Ok(Some(user)) => Presence::from_stored(&user.presence),
        Ok(None) => Presence::Offline,
        Err(e) => return tracing::error!(error = %e, "loading the chosen presence failed"),
    };
    status_chosen(&ctx.state, &ctx.user_id, chosen).await;
    let friends = friend_ids(&ctx.state.db, &ctx.user_id)
        .await
        .unwrap_or_default();
    for friend in friends {
        let status = route::shown(&ctx.state, &friend).await;
        if status != Presence::Offline {
            ctx.reply_in_turn(&ServerFrame::Presence {
                user_id: &friend,
                status,
            })
            .await;
        }
    }
}

/// The user chose a status (`PUT /v1/me/presence`) or came online with one.
pub async fn status_chosen(state: &AppState, user_id: &str, chosen: Presence) {
    let shown = chosen.as_seen_by_others();
    let changed_here = state.hub.set_shown(user_id, shown);
    let here = state.hub.is_online(user_id);
    let changed = match &state.cluster {
        // The user may be connected to another node than the one serving this request.
        Some(cluster) if here || cluster.is_online(user_id).await => {
            let before = cluster.shown(user_id).await;
            cluster.mark_shown(user_id, shown, here).await;
            changed_here || before != shown
        }
        _ => changed_here,
    };
    if changed {
        announce(state, user_id, shown).await;
    }
}

/// The user's last connection closed; `was` is what friends saw until now.
pub async fn went_offline(ctx: &ConnCtx, was: Presence) {
    if let Some(cluster) = &ctx.state.cluster {
        if cluster.mark_offline(&ctx.user_id).await {
            return;
        }
    }
    if was != Presence::Offline {
        announce(&ctx.state, &ctx.user_id, Presence::Offline).await;
    }
}
