//! A viewer's right to watch lasts as long as their friendship with the sharer. Every REST
//! call and socket open checks it ([`super::store::share_for`]); this closes the sockets
//! already open when it ends.

use tokio_util::sync::CancellationToken;

use super::store;
use crate::state::AppState;

/// Closes `user_id`'s viewer sockets on every share of this node they may no longer watch.
#[tracing::instrument(skip_all, fields(user = %user_id))]
pub async fn recheck(state: &AppState, user_id: &str) {
    for (share_id, sockets) in state.live.watched_by(user_id) {
        match store::share_for(&state.db, &share_id, user_id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::info!(share = %share_id, sockets = sockets.len(),
                    "live share revoked: closing the viewer's sockets");
                sockets.iter().for_each(CancellationToken::cancel);
            }
            Err(e) => tracing::error!(error = %e, share = %share_id,
                "re-checking a live share after a revocation failed; the viewer stays connected"),
        }
    }
}
