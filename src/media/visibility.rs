//! The one visibility rule: the owner always; friends for `friends`; anyone for `public`;
//! everyone else gets a 404, as if the clip did not exist.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::UserId;

/// Who may see a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Friends,
    Public,
    Private,
}

impl Visibility {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Friends => "friends",
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// Parses stored text; anything unknown is treated as the most private.
    pub fn from_stored(s: &str) -> Visibility {
        match s {
            "public" => Visibility::Public,
            "friends" => Visibility::Friends,
            _ => Visibility::Private,
        }
    }
}

/// Whether `viewer` may see a clip of `owner` with `visibility`; `are_friends` says
/// whether viewer and owner are friends.
pub fn can_view(
    viewer: Option<&UserId>,
    owner: &UserId,
    visibility: Visibility,
    are_friends: bool,
) -> bool {
    match visibility {
        Visibility::Public => true,
        _ if viewer == Some(owner) => true,
        Visibility::Friends => viewer.is_some() && are_friends,
        Visibility::Private => false,
    }
}

/// The viewer as [`visible_to!`] binds it: an anonymous viewer is the empty string, which
/// matches no user.
pub fn viewer_param(viewer: Option<&UserId>) -> &str {
    viewer.map_or("", UserId::as_str)
}

/// The same rule as SQL over `media m`, with the viewer id bound at the given parameter,
/// e.g. `visible_to!("$2")`, as [`viewer_param`] makes it.
#[macro_export]
macro_rules! visible_to {
    ($viewer:literal) => {
        concat!(
            "(m.visibility = 'public' OR m.owner_id = ", $viewer,
            " OR (m.visibility = 'friends' AND EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = m.owner_id AND f.friend_id = ",
            $viewer, ")))"
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_for_every_case() {
        use Visibility::*;
        let [o, f, s] = ["o", "f", "s"].map(UserId::from);
        assert!(can_view(Some(&o), &o, Private, false));
        assert!(can_view(Some(&o), &o, Friends, false));
        assert!(can_view(Some(&f), &o, Friends, true));
        assert!(!can_view(Some(&s), &o, Friends, false));
        assert!(!can_view(None, &o, Friends, false));
        assert!(!can_view(Some(&f), &o, Private, true));
        assert!(can_view(None, &o, Public, false));
    }
}
