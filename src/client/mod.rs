//! `imshare upload`: the reference mobile client, for people and scripts. It signs in,
//! asks for an upload key, uploads straight to the store (multipart and resumable for
//! large files) with a progress bar, completes, and follows the transcode until the clip
//! is ready.

mod api;
mod resume;
mod upload;

pub use upload::{run, UploadArgs};
