//! The service actix-http calls, instead of the app, for every request that asks for a
//! WebSocket (`Upgrade: websocket`): check, answer the handshake, hand the socket over.
//! Each upgrade gets the span and the metrics an HTTP request gets, named by its route.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use actix_codec::Framed;
use actix_http::body::BodySize;
use actix_http::h1::{self, Message as H1Message};
use actix_http::{ws, ConnectionType, Request, Response};
use actix_web::dev::{fn_service, Path, ServiceFactory};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use actix_web::ResponseError;
use bytes::BytesMut;
use futures::SinkExt;
use tracing::Instrument;

use super::endpoints::{Endpoint, Endpoints, SocketRequest};
use super::limits::{client_address, SocketLimit};
use super::socket::Socket;
use super::{MessageStream, Session, SocketRefused};
use crate::auth::{socket_user, TokenKeys};
use crate::error::{json_error, ApiErrorKind, CommonError};
use crate::net::NetList;
use crate::telemetry;

/// What actix-http passes for an upgrade: the request and the connection, still framed
/// by its HTTP/1 codec.
type Upgrade = (Request, Framed<TcpStream, h1::Codec>);
type Connection = Framed<TcpStream, h1::Codec>;

/// What upgrades are checked against: the node's endpoints, its socket limits, and how
/// to tell who is asking.
pub struct Upgrades {
    pub endpoints: Endpoints,
    pub limit: SocketLimit,
    pub tokens: Arc<TokenKeys>,
    /// `server.trusted_proxies`, to count sockets by the client behind a proxy.
    pub trusted_proxies: NetList,
}

/// How an upgrade was answered: the status sent, and the error behind a refusal.
struct Answered {
    status: StatusCode,
    error: Option<actix_web::Error>,
}

/// The upgrade service of one worker.
pub fn service(
    upgrades: Arc<Upgrades>,
) -> impl ServiceFactory<Upgrade, Config = (), Response = (), Error = Infallible, InitError = ()> {
    fn_service(move |(req, framed): Upgrade| {
        let upgrades = upgrades.clone();
        async move {
            accept(&upgrades, req, framed).await;
            Ok::<_, Infallible>(())
        }
    })
}

async fn accept(upgrades: &Upgrades, req: Request, framed: Connection) {
    let started = Instant::now();
    let head = req.head();
    let found = upgrades.endpoints.find(head.uri.path());
    let route = found.as_ref().map_or("unmatched", |(e, _)| e.route());
    let method = head.method.as_str();
    let span = telemetry::request_span(method, route, head.uri.path());
    let answered = answer(upgrades, found, &req, framed)
        .instrument(span.clone())
        .await;
    telemetry::end_request_span(&span, answered.status, answered.error.as_ref());
    telemetry::count_request(method, route, answered.status, started.elapsed());
}

async fn answer(
    upgrades: &Upgrades,
    found: Option<(&dyn Endpoint, Path<String>)>,
    req: &Request,
    mut framed: Connection,
) -> Answered {
    let head = req.head();
    let Some((endpoint, params)) = found else {
        return refuse(framed, CommonError::NotFound("WebSocket endpoint").into()).await;
    };
    // Places first, then who is asking, then what they may open: a client over its
    // share costs no database call.
    let peer = framed.io_ref().peer_addr().ok();
    let address = client_address(peer, head, &upgrades.trusted_proxies);
    let slot = match upgrades.limit.take(address) {
        Ok(slot) => slot,
        Err(e) => return refuse_for_room(framed, e).await,
    };
    let user_id = match socket_user(&upgrades.tokens, head) {
        Ok(user_id) => user_id,
        Err(e) => return refuse(framed, e.into()).await,
    };
    let slot = match slot.for_user(&user_id) {
        Ok(slot) => slot,
        Err(e) => return refuse_for_room(framed, e).await,
    };
    let request = SocketRequest::new(user_id, head, &params);
    let accepted = match endpoint.check(request).await {
        Ok(accepted) => accepted,
        Err(e) => return refuse(framed, e).await,
    };
    let response = match ws::handshake(head).map(|mut b| b.message_body(())) {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return refuse(framed, e.into()).await,
        Err(e) => {
            let response = json_error(e.status_code(), "bad_handshake", &e.to_string());
            return refuse(framed, InternalError::from_response(e, response).into()).await;
        }
    };
    let switched = Answered {
        status: StatusCode::SWITCHING_PROTOCOLS,
        error: None,
    };
    if framed
        .send(H1Message::Item((response, BodySize::None)))
        .await
        .is_err()
    {
        return switched;
    }
    // From here on the socket is ours; the HTTP codec's buffers are dropped with it,
    // keeping only bytes the client sent right behind the handshake.
    let parts = framed.into_parts();
    let leftover = match parts.read_buf.is_empty() {
        true => BytesMut::new(),
        false => parts.read_buf,
    };
    let socket = Socket::new(parts.io, slot);
    let stream = MessageStream::new(socket.clone(), leftover);
    accepted.start(Session::new(socket), stream);
    switched
}

/// Refuses a socket that found no room, counting why for `/metrics`.
async fn refuse_for_room(framed: Connection, refused: SocketRefused) -> Answered {
    metrics::counter!("imshare_ws_refused_total", "code" => refused.code()).increment(1);
    refuse(framed, refused.into()).await
}

/// Answers with the error's response and closes the connection.
async fn refuse(mut framed: Connection, error: actix_web::Error) -> Answered {
    let (head, body) = error.error_response().into_parts();
    let body = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let mut head: Response<()> = head.into();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let status = head.status();
    let size = BodySize::Sized(body.len() as u64);
    tracing::debug!(%status, "WebSocket refused");
    // Fed, then written at once: a client may read the head only from its first packet.
    let _ = framed.feed(H1Message::Item((head, size))).await;
    let _ = framed.feed(H1Message::Chunk(Some(body))).await;
    let _ = framed.send(H1Message::Chunk(None)).await;
    let _ = framed.close().await;
    Answered {
        status,
        error: Some(error),
    }
}
