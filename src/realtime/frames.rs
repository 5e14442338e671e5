//! The JSON frames a client sends on `GET /v1/ws` (../shared/API.md, "Real time"); what
//! the server sends is [`crate::delivery::ServerFrame`].
//!
//! Region sync: a participant sends `sync.region {room_id, url?, x, y, width, height,
//! version}` with the version it saw; every participant (the sender too) then gets
//! `sync.region {room_id, url, x, y, width, height, version, updated_by}` with the new
//! version, or only the sender gets the unchanged current state if its version was stale.
//! `sync.join {room_id}` asks for the room's current state (sent on page load and after
//! every reconnect; `x…height` are absent until a region is picked). States may arrive
//! out of order across senders: clients keep the one with the highest version.

use serde::Deserialize;

use crate::ids::{AppId, EventId, GroupId, RoomId};

/// A frame a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum ClientFrame {
    /// Store and fan out a message to a group.
    #[serde(rename = "group.send")]
    GroupSend {
        group_id: GroupId,
        body: String,
        client_msg_id: String,
    },
    /// Replay the group's messages after `after_seq`.
    #[serde(rename = "group.sync")]
    GroupSync { group_id: GroupId, after_seq: i64 },
    /// Send `payload` to an app's webhook.
    #[serde(rename = "app.send")]
    AppSend {
        app_id: AppId,
        payload: serde_json::Value,
    },
    /// Show this region (and URL, if given) to the room, made from state `version`.
    #[serde(rename = "sync.region")]
    SyncRegion {
        room_id: RoomId,
        url: Option<String>,
        x: i64,
        y: i64,
        width: i64,
        height: i64,
        version: i64,
    },
    /// Send me the room's current state.
    #[serde(rename = "sync.join")]
    SyncJoin { room_id: RoomId },
    /// These events arrived: stop offering them (at most `events::MAX_ACK_IDS` ids).
    #[serde(rename = "event.ack")]
    EventAck { event_ids: Vec<EventId> },
}
