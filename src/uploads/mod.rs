//! Direct-to-store uploads (SPEC §1A): check the store is up and has room, reserve the
//! bytes, hand out presigned URLs, verify the object on completion, expire the rest.

// First, so its column-list macro is visible to the modules below.
#[macro_use]
mod store;

mod complete;
mod domain;
mod error;
mod grant;
mod grant_writer;
mod reserve;
mod routes;
mod state;
pub mod sweeper;

pub use error::UploadError;
pub use grant_writer::GrantWriter;
pub use routes::configure;
