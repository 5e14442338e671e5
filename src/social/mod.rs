//! Friends: requests, acceptance, the friend list with presence, removal.

mod error;
mod routes;
mod store;

pub use error::SocialError;
pub use routes::configure;
pub use store::are_friends;
