//! Browser-based applications (SPEC §3): registered by an administrator, they push
//! `app.message` frames to users and groups, and hear back from users through a signed
//! webhook fed from a durable outbox.
//!
//! An operator becomes an administrator by setting `users.is_admin` in the database
//! (`UPDATE users SET is_admin = TRUE WHERE username = '…'`), or through [`grant_admin`].

mod error;
mod routes;
pub mod store;
mod target;
pub mod webhook;

pub use error::AppError;
pub use routes::configure;
pub use store::grant_admin;

/// How long a push waits for an offline user.
const PUSH_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
