//! The transcoder (SPEC §1C): claims jobs, turns originals into streamable renditions
//! with the `media` crate, uploading each HLS segment as soon as it exists so a clip
//! plays before its transcode ends.

mod capacity;
mod outage;
mod pipeline;
mod scratch;
mod store;
mod worker;

pub use worker::{run_workers, WorkerHandle};
