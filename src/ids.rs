//! Typed ids: one newtype per kind of record, so a user id cannot be passed where a clip
//! id is expected.
//!
//! Every id is text on the wire and in both databases (serde and sqlx see the inner
//! string), and new ones are UUID v7, so they sort by creation time. An id taken from a
//! request path or a token is whatever the client sent: it is looked up, never trusted,
//! and an unknown one is answered 404 by the domain that looks it up.

/// Declares a text id type: `Display`, `as_str`, `generate` (a new UUID v7), serde and
/// sqlx as its inner string, and an OpenAPI schema of `string`/`uuid`. `Debug` shows the
/// text as a `String` would (`"u-1"`), so logs and messages that quote an id read as before.
macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, sqlx::Type, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(String);

        impl $name {
            /// A new, unique id (UUID v7: ordered by creation time).
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// The id as it is stored and sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, moved out.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_id!(
    /// An account.
    UserId
);
text_id!(
    /// A clip (one upload's media, its original and its renditions).
    MediaId
);
text_id!(
    /// One direct-to-store upload grant.
    UploadId
);
text_id!(
    /// A group chat.
    GroupId
);
text_id!(
    /// A registered app of the push API.
    AppId
);
text_id!(
    /// A region-sync room.
    RoomId
);
text_id!(
    /// A live region share.
    ShareId
);
text_id!(
    /// A friend request.
    FriendRequestId
);
text_id!(
    /// A transcode job.
    JobId
);
text_id!(
    /// An event for a user (`media.ready`, an app push, …), stable until it is acked.
    EventId
);
text_id!(
    /// A call of an app's webhook, waiting in the outbox.
    WebhookCallId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_text_on_the_wire() {
        let id = UserId::from("u-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"u-1\"");
        let back: UserId = serde_json::from_str("\"u-1\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "u-1");
        assert_eq!(format!("{id:?}"), "\"u-1\"");
    }

    #[test]
    fn generated_ids_are_unique_uuids_in_creation_order() {
        let first = MediaId::generate();
        let second = MediaId::generate();
        assert_ne!(first, second);
        assert!(uuid::Uuid::parse_str(first.as_str()).is_ok());
        assert!(first < second, "UUID v7 sorts by time");
    }
}
