//! What an event is about: its `type` on the wire.

/// The kinds of event a user is sent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString, strum::IntoStaticStr,
)]
pub enum EventKind {
    /// A clip of theirs is ready: `{media_id}`.
    #[strum(serialize = "media.ready")]
    MediaReady,
    /// A clip of theirs failed: `{media_id, reason}`.
    #[strum(serialize = "media.failed")]
    MediaFailed,
    /// An app pushed to them: `{app_id, payload}`.
    #[strum(serialize = "app.message")]
    AppMessage,
    /// Someone asked to be their friend: `{request_id, from, from_username}`.
    #[strum(serialize = "friend.request")]
    FriendRequest,
    /// Someone accepted their friend request: `{user_id}`.
    #[strum(serialize = "friend.accepted")]
    FriendAccepted,
}
