//! Groups of users who chat in real time: membership over REST, messages stored with a
//! per-group sequence number so a member who was away can replay exactly what they missed.

mod error;
mod routes;
pub mod store;

pub use error::GroupError;
pub use routes::configure;
