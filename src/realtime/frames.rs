//! The JSON frames of `GET /v1/ws` (../shared/API.md, "Real time"), typed both ways.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::accounts::Presence;
use crate::groups::store::MessageRow;
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

    /// The frame as JSON text, encoded once and shared by every connection it goes to.
    pub fn encode(&self) -> Arc<str> {
        // Strings, integers, a unit enum and JSON values with string keys: cannot fail.
        Arc::from(serde_json::to_string(self).expect("server frames serialize"))
    }
}
