//! `imshare upload`: the reference mobile client, for people and scripts. It signs in,
//! asks for an upload key, uploads straight to the store (multipart and resumable for
//! large files) with a progress bar, completes, and follows the transcode until the clip
//! is ready. `imshare live-share` ([`live_share`]): the reference sharer of a live region
//! share.
//!
//! A crate of its own because it talks to the service only through the public HTTP and
//! WebSocket API, as any client does; the `imshare` binary dispatches to it.

mod api;
pub mod live_share;
mod resume;
mod upload;

pub use api::AccountArgs;
pub use live_share::LiveShareArgs;
pub use upload::{run, UploadArgs};
