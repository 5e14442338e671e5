//! The object store, reached only through aws-sdk-s3: the embedded endpoint on one box
//! (the `imshare-store` crate, started by [`setup`]), any S3-compatible cluster at scale.
//! Keys are made by the server, never by clients.

pub mod client;
pub mod health;
pub mod keys;
pub mod setup;

pub use client::{ObjectInfo, ObjectStore, PartInfo, StoreError};
pub use health::StoreHealth;
