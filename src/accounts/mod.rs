//! Accounts and sessions: sign up, sign in (the API and the browser's sign-in and sign-out
//! forms), refresh, the caller's own profile and presence.

mod domain;
mod error;
mod page;
pub mod presence;
mod routes;
mod sign_in;
mod store;

pub use crate::delivery::Presence;
pub use domain::Username;
pub use error::AccountError;
pub use routes::configure;
pub use sign_in::{check_credentials, SignInError};
pub use store::{find_user_by_id, find_user_by_username, UserRow};
