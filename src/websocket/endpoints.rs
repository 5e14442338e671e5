//! The WebSocket endpoints a node serves: a route pattern each, a check made before the
//! handshake is answered, and what serves the socket after. The table is built in
//! `startup.rs`, so this layer knows none of the endpoints it serves.

use actix_http::RequestHead;
use actix_web::dev::{Path, ResourceDef};
use futures::future::LocalBoxFuture;

use super::{MessageStream, Session};
use crate::ids::UserId;

/// One WebSocket endpoint.
pub trait Endpoint: Send + Sync + 'static {
    /// Its route pattern, written as actix-web's (`/v1/live-shares/{id}/ws`); it also
    /// names the upgrade's span and metrics, as a route names an HTTP request's.
    fn route(&self) -> &'static str;

    /// Checks what the authenticated user may open here, before the handshake is answered.
    fn check<'a>(
        &'a self,
        request: SocketRequest<'a>,
    ) -> LocalBoxFuture<'a, Result<Box<dyn Accepted>, actix_web::Error>>;
}

/// A WebSocket request that passed its endpoint's checks.
pub trait Accepted {
    /// Serves the upgraded socket, in tasks of its own.
    fn start(self: Box<Self>, session: Session, stream: MessageStream);
}

/// What an endpoint's check is given: who asks, and for what.
pub struct SocketRequest<'a> {
    /// The authenticated user.
    pub user_id: UserId,
    pub head: &'a RequestHead,
    params: &'a Path<String>,
}

impl<'a> SocketRequest<'a> {
    pub(super) fn new(
        user_id: UserId,
        head: &'a RequestHead,
        params: &'a Path<String>,
    ) -> SocketRequest<'a> {
        SocketRequest {
            user_id,
            head,
            params,
        }
    }

    /// A segment the route pattern names (`id` of `/v1/live-shares/{id}/ws`).
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params.get(name)
    }
}

/// The endpoints, matched in the order added.
#[derive(Default)]
pub struct Endpoints {
    routes: Vec<(ResourceDef, Box<dyn Endpoint>)>,
}

impl Endpoints {
    /// Adds an endpoint at its route.
    pub fn with(mut self, endpoint: impl Endpoint) -> Endpoints {
        let route = ResourceDef::new(endpoint.route());
        self.routes.push((route, Box::new(endpoint)));
        self
    }

    /// The endpoint of `path`, with the segments its pattern names.
    pub(super) fn find(&self, path: &str) -> Option<(&dyn Endpoint, Path<String>)> {
        self.routes.iter().find_map(|(route, endpoint)| {
            let mut params = Path::new(path.to_owned());
            route
                .capture_match_info(&mut params)
                .then_some((endpoint.as_ref(), params))
        })
    }
}
