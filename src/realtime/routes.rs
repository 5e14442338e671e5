//! `GET /v1/ws`: authenticates, loads the user's groups and hands the socket to a task.
//! The upgrade itself is answered by [`crate::websocket`], which calls the [`Gateway`]
//! endpoint; the route here documents the endpoint and answers plain HTTP requests.

use std::sync::Arc;

use actix_web::{get, HttpResponse};
use futures::future::LocalBoxFuture;
use tokio::sync::Semaphore;
use utoipa_actix_web::service_config::ServiceConfig;

use super::connection;
use crate::auth::WsQuery;
use crate::delivery::Registration;
use crate::error::CommonError;
use crate::groups::store::group_ids_of;
use crate::ids::UserId;
use crate::state::AppState;
use crate::websocket::{upgrade_required, Endpoint, MessageStream, Session, SocketRequest};

/// Most connections that set up at once; the rest wait their turn.
const CONCURRENT_SETUPS: usize = 32;

/// Registers the gateway route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(websocket);
}

/// Open the real-time WebSocket (JSON frames as in API.md, "Real time"). A request
/// without `Upgrade: websocket` gets 426.
#[utoipa::path(tag = "realtime", params(WsQuery), responses(
    (status = 101, description = "switching to the WebSocket"), (status = 401),
    (status = 426, description = "not a WebSocket upgrade"),
    (status = 429, description = "too_many_sockets: the user holds `realtime.max_sockets_per_user` \
        WebSockets (gateway and live shares together), or too_many_sockets_from_address: that \
        many are open from the client's address (`realtime.max_sockets_per_ip`); with Retry-After"),
    (status = 503, description = "busy: the node has as many WebSockets open as it accepts; with Retry-After")),
    security(("bearer" = [])))]
#[get("/v1/ws")]
async fn websocket() -> HttpResponse {
    upgrade_required()
}

/// The gateway's WebSocket endpoint.
pub struct Gateway {
    state: AppState,
    /// Connections setting up at once (loading groups, backlog, presence). A reconnect
    /// storm then queues cheaply instead of holding thousands of database calls' state
    /// at once, memory the allocator keeps long after the storm.
    setups: Arc<Semaphore>,
}

impl Gateway {
    /// The gateway of the node whose state this is.
    pub fn new(state: AppState) -> Gateway {
        Gateway {
            state,
            setups: Arc::new(Semaphore::new(CONCURRENT_SETUPS)),
        }
    }
}

impl Endpoint for Gateway {
    fn route(&self) -> &'static str {
        "/v1/ws"
    }

    fn check<'a>(
        &'a self,
        request: SocketRequest<'a>,
    ) -> LocalBoxFuture<'a, Result<Box<dyn crate::websocket::Accepted>, actix_web::Error>> {
        Box::pin(async move {
            let user_id = request.user_id;
            let turn = self.setups.acquire().await;
            let groups = group_ids_of(&self.state.db, &user_id).await;
            drop(turn);
            let groups = groups.map_err(CommonError::from)?;
            let registration = self.state.delivery.register(&user_id, groups);
            let accepted = Accepted {
                state: self.state.clone(),
                setups: self.setups.clone(),
                registered: Some((user_id, registration)),
            };
            Ok(Box::new(accepted) as Box<dyn crate::websocket::Accepted>)
        })
    }
}

/// A gateway request that passed its checks, already registered with delivery: a client
/// that has read its 101 is online, and what is sent to it from then on waits in its
/// queue until the socket's tasks start. Dropped unstarted (the handshake failed), it
/// unregisters again.
struct Accepted {
    state: AppState,
    setups: Arc<Semaphore>,
    /// The user and their connection, until the socket's tasks take them over.
    registered: Option<(UserId, Registration)>,
}

impl Drop for Accepted {
    fn drop(&mut self) {
        if let Some((user_id, registration)) = self.registered.take() {
            self.state.delivery.unregister(&user_id, registration.id);
        }
    }
}

impl crate::websocket::Accepted for Accepted {
    /// Serves the upgraded socket in its own task.
    fn start(mut self: Box<Self>, session: Session, stream: MessageStream) {
        let Some((user_id, registration)) = self.registered.take() else {
            return;
        };
        tracing::info!(user = %user_id, conn = %registration.id, "WebSocket connected");
        let conn = connection::Conn {
            state: self.state.clone(),
            setups: self.setups.clone(),
            user_id,
            registration,
        };
        actix_web::rt::spawn(connection::run(conn, session, stream));
    }
}
