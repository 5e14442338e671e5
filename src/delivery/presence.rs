//! Presence: the status a user shows. It lives here, below the domains, because every
//! node's online table and the Redis presence entries hold it.

use serde::{Deserialize, Serialize};

/// The status a user chooses to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Online,
    Busy,
    Away,
    Invisible,
    Offline,
}

impl Presence {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Busy => "busy",
            Presence::Away => "away",
            Presence::Invisible => "invisible",
            Presence::Offline => "offline",
        }
    }

    /// Parses stored text; anything unknown reads as offline.
    pub fn from_stored(s: &str) -> Presence {
        match s {
            "online" => Presence::Online,
            "busy" => Presence::Busy,
            "away" => Presence::Away,
            "invisible" => Presence::Invisible,
            _ => Presence::Offline,
        }
    }

    /// What others see: invisible looks offline.
    pub fn as_seen_by_others(self) -> Presence {
        match self {
            Presence::Invisible => Presence::Offline,
            other => other,
        }
    }
}
