//! maud views for imshare's pages: functions from plain view structs to `Markup`, one
//! layout and a small stylesheet embedded at compile time. Views never query; the
//! service fills the structs. maud escapes every interpolated value, so user text is
//! always shown as text.

mod clip;
mod clips;
mod forms;
mod group;
mod layout;
mod lists;
mod live;
mod sync;

pub use clip::{clip, ClipState, ClipView, Player};
pub use clips::{clip_list, duration, ClipCard, ClipStatus};
pub use forms::{error, login, ErrorView, LoginView};
pub use group::{group, GroupView, MemberLine, MessageLine, GROUP_SCRIPT, GROUP_SCRIPT_PATH};
pub use layout::{layout, Page, Viewer, STYLESHEET};
pub use lists::{
    blog, friends, home, search, BlogView, FriendsView, HomeView, SearchView, UserRef,
};
pub use live::{live_share, LiveView, LIVE_SCRIPT, LIVE_SCRIPT_PATH};
pub use maud::Markup;
pub use sync::{sync_room, RegionBox, SyncView, SYNC_SCRIPT, SYNC_SCRIPT_PATH};
