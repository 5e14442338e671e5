//! Presence: what a user's friends see. A user with at least one connection shows the
//! status they chose (invisible shows as offline); with none they are offline. Only
//! friends are told, and only when what they would see changes.

use super::find_user_by_id;
use crate::db::Db;
use crate::delivery::{Presence, ServerFrame};
use crate::ids::UserId;
use crate::on_pool;
use crate::state::AppState;

async fn friend_ids(db: &Db, user_id: &UserId) -> Result<Vec<UserId>, sqlx::Error> {
    let sql = "SELECT friend_id FROM friendships WHERE user_id = $1";
    let rows: Vec<(UserId,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Tells the user's online friends what they now see of the user.
async fn announce(state: &AppState, user_id: &UserId, status: Presence) {
    let friends = match friend_ids(&state.db, user_id).await {
        Ok(f) => f,
        Err(e) => {
            return tracing::error!(error = %e, "loading friends for a presence change failed")
        }
    };
    let frame = ServerFrame::Presence { user_id, status }.encode();
    for friend in friends {
        state.delivery.to_user(&friend, frame.clone()).await;
    }
}

/// A connection opened: show the chosen status; returns the user's friends who are
/// online, with what they show, for the new connection.
pub async fn came_online(state: &AppState, user_id: &UserId) -> Vec<(UserId, Presence)> {
    let chosen = match find_user_by_id(&state.db, user_id).await {
        Ok(Some(user)) => Presence::from_stored(&user.presence),
        Ok(None) => Presence::Offline,
        Err(e) => {
            tracing::error!(error = %e, "loading the chosen presence failed");
            return Vec::new();
        }
    };
    status_chosen(state, user_id, chosen).await;
    let friends = friend_ids(&state.db, user_id).await.unwrap_or_default();
    let mut online = Vec::new();
    for friend in friends {
        let status = state.delivery.shown(&friend).await;
        if status != Presence::Offline {
            online.push((friend, status));
        }
    }
    online
}

/// The user chose a status (`PUT /v1/me/presence`) or came online with one.
pub async fn status_chosen(state: &AppState, user_id: &UserId, chosen: Presence) {
    let shown = chosen.as_seen_by_others();
    if state.delivery.set_shown(user_id, shown).await {
        announce(state, user_id, shown).await;
    }
}

/// The user's last connection to this node closed; `was` is what friends saw until now.
pub async fn went_offline(state: &AppState, user_id: &UserId, was: Presence) {
    if state.delivery.went_offline(user_id).await && was != Presence::Offline {
        announce(state, user_id, Presence::Offline).await;
    }
}
