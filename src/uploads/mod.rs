//! Direct-to-store uploads (SPEC §1A): check the store is up and has room, reserve the
//! bytes, hand out presigned URLs, verify the object on completion, expire the rest.

mod domain;
mod error;
mod complete;
mod grant;
mod routes;
mod store;
pub mod sweeper;

pub use domain::clean_text;
pub use error::UploadError;
pub use routes::configure;
