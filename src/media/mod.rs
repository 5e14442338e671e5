//! Media records: what was uploaded, who may see it, and its processing state.

mod error;
mod routes;
mod status;
mod store;
mod text;
mod visibility;

pub use error::MediaError;
pub use routes::configure;
pub use status::MediaStatus;
pub use store::{count_play, find_visible, MediaRow};
pub use text::clean_text;
pub use visibility::{can_view, viewer_param, Visibility};
