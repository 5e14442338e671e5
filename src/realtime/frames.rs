//! The JSON frames of `GET /v1/ws` (../shared/API.md, "Real time"), typed both ways.
//!
//! Region sync: a participant sends `sync.region {room_id, url?, x, y, width, height,
//! version}` with the version it saw; every participant (the sender too) then gets
//! `sync.region {room_id, url, x, y, width, height, version, updated_by}` with the new
//! version, or only the sender gets the unchanged current state if its version was stale.
//! `sync.join {room_id}` asks for the room's current state (sent on page load and after
//! every reconnect; `x…height` are absent until a region is picked). States may arrive
//! out of order across senders: clients keep the one with the highest version.

use bytestring::ByteString;

use serde::{Deserialize, Serialize};

use crate::accounts::Presence;
use crate::groups::store::MessageRow;
use crate::sync::store::RoomState;
use crate::time_util::rfc3339;

/// A frame a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum ClientFrame {
    /// Store and fan out a message to a group.
    #[serde(rename = "group.send")]
    GroupSend {
        group_id: String,
        body: String,
        client_msg_id: String,
    },
    /// Replay the group's messages after `after_seq`.
    #[serde(rename = "group.sync")]
    GroupSync { group_id: String, after_seq: i64 },
    /// Send `payload` to an app's webhook.
    #[serde(rename = "app.send")]
    AppSend {
        app_id: String,
        payload: serde_json::Value,
    },
    /// Show this region (and URL, if given) to the room, made from state `version`.
    #[serde(rename = "sync.region")]
    SyncRegion {
        room_id: String,
        url: Option<String>,
        x: i64,
        y: i64,
        width: i64,
        height: i64,
        version: i64,
    },
    /// Send me the room's current state.
    #[serde(rename = "sync.join")]
    SyncJoin { room_id: String },
}

/// A frame the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum ServerFrame<'a> {
    /// The message is stored durably under `seq`.
    #[serde(rename = "ack")]
    Ack { client_msg_id: &'a str, seq: i64 },
    /// A message of a group the client belongs to.
    #[serde(rename = "group.message")]
    GroupMessage {
        group_id: &'a str,
        seq: i64,
        from: &'a str,
        body: &'a str,
        sent_at: String,
    },
    /// A friend's presence changed.
    #[serde(rename = "presence")]
    Presence { user_id: &'a str, status: Presence },
    /// A push from an app.
    #[serde(rename = "app.message")]
    AppMessage {
        app_id: &'a str,
        payload: &'a serde_json::Value,
    },
    /// The latest state of a sync room.
    #[serde(rename = "sync.region")]
    SyncRegion {
        room_id: &'a str,
        url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        x: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        y: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        width: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        height: Option<i64>,
        version: i64,
        updated_by: &'a str,
    },
    /// The user's right to a sync room ended; the connection closes behind this frame.
    #[serde(rename = "sync.revoked")]
    SyncRevoked { room_id: &'a str },
    /// Something the client asked for went wrong.
    #[serde(rename = "error")]
    Error { code: &'a str, message: &'a str },
}

impl ServerFrame<'_> {
    /// A `group.message` for a stored row.
    pub fn message<'a>(group_id: &'a str, row: &'a MessageRow) -> ServerFrame<'a> {
        ServerFrame::GroupMessage {
            group_id,
            seq: row.seq,
            from: &row.sender_id,
            body: &row.body,
            sent_at: rfc3339(row.sent_at),
        }
    }

    /// A `sync.region` for a room's stored state.
    pub fn sync_state(state: &RoomState) -> ServerFrame<'_> {
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

    /// The frame as JSON text, encoded once and shared by every connection it goes to.
    pub fn encode(&self) -> ByteString {
        // Strings, integers, a unit enum and JSON values with string keys: cannot fail.
        ByteString::from(serde_json::to_string(self).expect("server frames serialize"))
    }
}
