//! Delivery that spans nodes: this node's connections first, then, with Redis configured,
//! the other nodes through [`super::cluster`].

use bytestring::ByteString;

use super::hub::Outbound;
use crate::accounts::Presence;
use crate::state::AppState;

/// Sends a frame to every connection of the user; true if they are online on some node.
pub async fn to_user(state: &AppState, user_id: &str, frame: ByteString) -> bool {
    let here = state
        .hub
        .send_to_user(user_id, Outbound::Text(frame.clone()))
        > 0;
    match &state.cluster {
        Some(cluster) if here || cluster.is_online(user_id).await => {
            cluster.publish_user(user_id, &frame).await;
            true
        }
        _ => here,
    }
}

/// Sends a frame to every online member of the group except the connection `skip`.
pub async fn to_group(state: &AppState, group_id: &str, frame: ByteString, skip: Option<u64>) {
    state
        .hub
        .send_to_group(group_id, Outbound::Text(frame.clone()), skip);
    if let Some(cluster) = &state.cluster {
        cluster.publish_group(group_id, &frame).await;
    }
}

/// What others see of the user, wherever they are connected.
pub async fn shown(state: &AppState, user_id: &str) -> Presence {
    match (state.hub.shown(user_id), &state.cluster) {
        (Presence::Offline, Some(cluster)) => cluster.shown(user_id).await,
        (here, _) => here,
    }
}
