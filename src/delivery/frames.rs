//! The JSON frames the server sends (../shared/API.md, "Real time"). They live here, with
//! delivery, because every domain that tells a user something sends one of them; what a
//! client sends, and what the gateway does with it, is the gateway's (`realtime/`).

use bytestring::ByteString;
use serde::Serialize;

use super::Presence;
use crate::ids::{GroupId, RoomId, UserId};

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
        group_id: &'a GroupId,
        seq: i64,
        from: &'a UserId,
        body: &'a str,
        sent_at: String,
    },
    /// A friend's presence changed.
    #[serde(rename = "presence")]
    Presence {
        user_id: &'a UserId,
        status: Presence,
    },
    /// The latest state of a sync room.
    #[serde(rename = "sync.region")]
    SyncRegion {
        room_id: &'a RoomId,
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
        updated_by: &'a UserId,
    },
    /// The user's right to a sync room ended; the connection closes behind this frame.
    #[serde(rename = "sync.revoked")]
    SyncRevoked { room_id: &'a RoomId },
    /// Something the client asked for went wrong.
    #[serde(rename = "error")]
    Error {
        code: &'a str,
        message: &'a str,
        /// The `client_msg_id` of the frame this answers, when it had one.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    /// The frame as JSON text, encoded once and shared by every connection it goes to.
    pub fn encode(&self) -> ByteString {
        // Strings, integers, a unit enum and JSON values with string keys: cannot fail.
        ByteString::from(serde_json::to_string(self).expect("server frames serialize"))
    }
}
