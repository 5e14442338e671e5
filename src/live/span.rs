//! A live share across nodes. The picture is kept by the node the sharer is connected to;
//! every other node with viewers of the share follows it through delivery's topics
//! (Redis), keeping a copy of the picture for its own viewers:
//!
//! - the sharer's node publishes each frame it applied, and the sharer coming and going,
//!   to `live:{share}`;
//! - a node that starts following asks for the whole picture on `live:{share}:want` (and
//!   asks again until it arrives, or whenever it fell behind); the sharer's node answers
//!   with the sharer's status and the picture's frames on `live:{share}`, as a snapshot
//!   marked with the number the asking node chose. Only that node takes it, and only
//!   whole (from its start to its end marker; one it heard only part of is asked for
//!   again); the others keep the copy they are keeping current, so their viewers see no
//!   reset;
//! - ending the share is published to both topics, so every node closes its sockets.
//!
//! So a viewer may reach any node and a late joiner on a node where nobody watched yet
//! still gets the whole picture first. Without Redis nothing here runs.

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};

use super::relay::{Relay, Relays};
use crate::config::LiveSettings;
use crate::delivery::Delivery;
use crate::ids::ShareId;

const FRAME: u8 = 0;
const SHARER_ONLINE: u8 = 1;
const SHARER_OFFLINE: u8 = 2;
const ENDED: u8 = 3;
const WANT: u8 = 4;
const SNAPSHOT_START: u8 = 5;
const SNAPSHOT: u8 = 6;
const SNAPSHOT_END: u8 = 7;

/// Messages a following node may have waiting; past it, it asks for the whole picture.
const FOLLOW_QUEUE: usize = 256;
/// How long a following node waits for the picture before it asks again.
const ASK_AGAIN: Duration = Duration::from_secs(1);

fn picture_topic(share_id: &ShareId) -> String {
    format!("live:{share_id}")
}

fn want_topic(share_id: &ShareId) -> String {
    format!("live:{share_id}:want")
}

fn message(kind: u8, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(1 + body.len());
    out.put_u8(kind);
    out.put_slice(body);
    out.freeze()
}

/// A snapshot message: its kind, the number of the ask it answers, then the body.
fn snapshot_message(kind: u8, ask: u64, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(9 + body.len());
    out.put_u8(kind);
    out.put_u64(ask);
    out.put_slice(body);
    out.freeze()
}

/// The ask number and body of a snapshot message (after its kind byte).
fn split_snapshot(message: &Bytes) -> Option<(u64, Bytes)> {
    let ask = u64::from_be_bytes(message.get(1..9)?.try_into().ok()?);
    Some((ask, message.slice(9..)))
}

/// Tells the following nodes of a frame the sharer's node applied.
pub fn spread_frame(delivery: &Delivery, share_id: &ShareId, frame: &[u8]) {
    delivery.publish(&picture_topic(share_id), message(FRAME, frame));
}

/// Tells the following nodes that the sharer connected here, or left.
pub fn spread_sharer(delivery: &Delivery, share_id: &ShareId, online: bool) {
    let kind = if online {
        SHARER_ONLINE
    } else {
        SHARER_OFFLINE
    };
    delivery.publish(&picture_topic(share_id), message(kind, &[]));
}

/// Tells every node the share has ended.
pub fn spread_end(delivery: &Delivery, share_id: &ShareId) {
    delivery.publish(&picture_topic(share_id), message(ENDED, &[]));
    delivery.publish(&want_topic(share_id), message(ENDED, &[]));
}

/// On the sharer's node, while the sharer is connected: answers each node that asks with
/// the sharer's status and the whole picture. Runs until aborted or the share ends.
pub async fn answer_wants(
    delivery: Delivery,
    relays: Arc<Relays>,
    share_id: ShareId,
    relay: Arc<Relay>,
) {
    let mut wants = delivery.listen(&want_topic(&share_id), 16);
    while let Some(want) = wants.rx.recv().await {
        if want.first() == Some(&ENDED) {
            relays.end(&share_id);
            return;
        }
        let Some((ask, _)) = split_snapshot(&want) else {
            continue;
        };
        let topic = picture_topic(&share_id);
        spread_sharer(&delivery, &share_id, true);
        delivery.publish(&topic, snapshot_message(SNAPSHOT_START, ask, &[]));
        for frame in relay.picture() {
            delivery.publish(&topic, snapshot_message(SNAPSHOT, ask, &frame));
        }
        delivery.publish(&topic, snapshot_message(SNAPSHOT_END, ask, &[]));
    }
}

/// Where viewers are and the sharer is not: follows the sharer's node while this node has
/// viewers (stopped by the relay when it is dropped or the sharer connects here).
pub fn follow_if_needed(
    delivery: &Delivery,
    relays: &Arc<Relays>,
    share_id: &ShareId,
    relay: &Arc<Relay>,
    limits: &LiveSettings,
) {
    if !delivery.is_clustered() {
        return;
    }
    let follow = follow(
        delivery.clone(),
        relays.clone(),
        share_id.clone(),
        relay.clone(),
        limits.clone(),
    );
    relay.follow_with(|| tokio::spawn(follow).abort_handle());
}

async fn follow(
    delivery: Delivery,
    relays: Arc<Relays>,
    share_id: ShareId,
    relay: Arc<Relay>,
    limits: LiveSettings,
) {
    let mut picture = delivery.listen(&picture_topic(&share_id), FOLLOW_QUEUE);
    let want = |ask: u64| {
        let message = snapshot_message(WANT, ask, &[]);
        delivery.publish(&want_topic(&share_id), message);
    };
    // Until a whole snapshot of our own ask has come, this node's copy is not the picture.
    let mut awaiting: Option<u64> = Some(rand::random());
    let mut in_snapshot = false;
    want(awaiting.unwrap_or_default());
    let mut ask_again = tokio::time::interval(ASK_AGAIN);
    ask_again.tick().await;
    loop {
        let message = tokio::select! {
            message = picture.rx.recv() => message,
            _ = ask_again.tick(), if awaiting.is_some() => {
                // A snapshot under way gets one more period before it is asked for anew.
                if !std::mem::take(&mut in_snapshot) {
                    let ask = rand::random();
                    awaiting = Some(ask);
                    want(ask);
                }
                continue;
            }
        };
        let Some(message) = message else { return };
        if picture.take_lagged() {
            // Frames were dropped: the copy is stale until the whole picture comes again.
            let ask = rand::random();
            (awaiting, in_snapshot) = (Some(ask), false);
            want(ask);
        }
        let ours = || awaiting.is_some() && split_snapshot(&message).map(|(a, _)| a) == awaiting;
        match message.first() {
            Some(&FRAME) => {
                relay.apply_remote(message.slice(1..), &limits);
            }
            Some(&SNAPSHOT_START) if ours() => in_snapshot = true,
            Some(&SNAPSHOT) if ours() && in_snapshot => {
                if let Some((_, frame)) = split_snapshot(&message) {
                    relay.apply_remote(frame, &limits);
                }
            }
            Some(&SNAPSHOT_END) if ours() && in_snapshot => awaiting = None,
            Some(&SNAPSHOT_START | &SNAPSHOT | &SNAPSHOT_END) => {}
            Some(&SHARER_ONLINE) => relay.set_remote_sharer(true),
            Some(&SHARER_OFFLINE) => relay.set_remote_sharer(false),
            Some(&ENDED) => {
                relays.end(&share_id);
                return;
            }
            _ => tracing::debug!(share = %share_id, "an unknown live share message was ignored"),
        }
    }
}
