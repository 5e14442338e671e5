//! Live region share (SPEC §5): a sharer sends the tiles of a screen region that changed;
//! the server keeps the current picture and relays each change to the chosen friends.
//!
//! - [`routes`]: `POST /v1/live-shares`, `GET`/`DELETE /v1/live-shares/{id}`.
//! - [`socket`]: `GET /v1/live-shares/{id}/ws`, handing the socket to [`sharer`] or
//!   [`viewer`].
//! - [`relay`]: each share's current picture ([`tile_set`]) and viewers' queues.
//! - [`page`]: the viewer page `/l/{id}`, painting tiles on a canvas.
//! - [`revoke`]: closing the sockets of a viewer who is no longer the sharer's friend.
//! - [`span`]: a share across nodes: other nodes follow the sharer's node through Redis.
//!
//! This node's [`Relays`] are not in the app's state: the socket endpoint, the revocation
//! listener and the routes (as `web::Data<Relays>`) are each handed them at start-up.
//!
//! The binary protocol, and the tiler of the reference sharer (`imshare live-share`), are
//! in the `imshare-live` crate. The picture lives in the memory of the node the sharer is
//! connected to, and of every node that has viewers of it ([`span`]), so the sharer and
//! each viewer may reach any node.

mod error;
mod page;
mod relay;
mod revoke;
mod routes;
mod sharer;
mod socket;
mod span;
pub mod store;
mod tile_set;
mod viewer;

use utoipa_actix_web::service_config::ServiceConfig;

pub use error::LiveError;
pub use imshare_live::protocol;
pub use relay::Relays;
pub use revoke::ViewerRecheck;
pub use socket::ShareSockets;

/// Registers the live share API, its socket and the viewer page.
pub fn configure(cfg: &mut ServiceConfig) {
    routes::configure(cfg);
    socket::configure(cfg);
    page::configure(cfg);
}
