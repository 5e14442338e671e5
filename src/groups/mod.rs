//! Groups of users who chat in real time: membership over REST, messages stored with a
//! per-group sequence number so a member who was away can replay exactly what they missed.

mod error;
mod page;
mod recheck;
mod routes;
pub mod send;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub use error::GroupError;
pub use recheck::MembershipRecheck;

/// Registers the group API and the group page.
pub fn configure(cfg: &mut ServiceConfig) {
    routes::configure(cfg);
    page::configure(cfg);
}
