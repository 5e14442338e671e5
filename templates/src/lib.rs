//! maud views for imshare's pages: functions from plain view structs to `Markup`, one
//! layout and a small stylesheet embedded at compile time. Views never query; the
//! service fills the structs. maud escapes every interpolated value, so user text is
//! always shown as text.

mod clip;
mod clips;
mod forms;
mod layout;
mod lists;

pub use clip::{clip, ClipState, ClipView, Player};
pub use clips::{clip_list, duration, ClipCard, ClipStatus};
pub use forms::{error, login, ErrorView, LoginView};
pub use layout::{layout, Page, Viewer, STYLESHEET};
pub use lists::{
    blog, friends, home, search, BlogView, FriendsView, HomeView, SearchView, UserRef,
};
pub use maud::Markup;
