//! Region sync (SPEC §4): participants of a room co-browse one rectangle of a web page.
//!
//! The database is the sync store: each room keeps its latest `{url, region, version,
//! updated_by}`. A `sync.region` frame carries the version its sender saw and is applied
//! by compare-and-set, so concurrent senders never overwrite each other unseen; the winner's
//! new state goes to every participant (the sender included) and a loser gets the current
//! state back. The gateway side lives in `realtime::sync`, the page `/s/{room_id}` in
//! [`page`], and [`RoomRecheck`] closes sockets in a room whose right ended.

pub mod domain;
mod error;
mod page;
mod revoke;
mod routes;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub use error::SyncError;
pub use revoke::RoomRecheck;

/// Registers the sync room API and the sync page.
pub fn configure(cfg: &mut ServiceConfig) {
    routes::configure(cfg);
    page::configure(cfg);
}
