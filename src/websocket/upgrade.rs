//! The service actix-http calls, instead of the app, for every request that asks for a
//! WebSocket (`Upgrade: websocket`): check, answer the handshake, hand the socket over.

use std::convert::Infallible;

use actix_codec::Framed;
use actix_http::body::BodySize;
use actix_http::h1::{self, Message as H1Message};
use actix_http::{ws, ConnectionType, Request, Response};
use actix_web::dev::{fn_service, ServiceFactory};
use actix_web::rt::net::TcpStream;
use actix_web::{HttpResponse, ResponseError};
use bytes::BytesMut;
use futures::SinkExt;

use super::limits::{client_address, SocketLimit};
use super::socket::Socket;
use super::{routes, MessageStream, Session, SocketRefused};
use crate::error::{json_error, ApiErrorKind, CommonError};
use crate::realtime::routes::authenticate;
use crate::state::AppState;

/// What actix-http passes for an upgrade: the request and the connection, still framed
/// by its HTTP/1 codec.
type Upgrade = (Request, Framed<TcpStream, h1::Codec>);

/// The upgrade service of one worker.
pub fn service(
    state: AppState,
    limit: SocketLimit,
) -> impl ServiceFactory<Upgrade, Config = (), Response = (), Error = Infallible, InitError = ()> {
    fn_service(move |(req, framed): Upgrade| {
        let state = state.clone();
        let limit = limit.clone();
        async move {
            accept(state, limit, req, framed).await;
            Ok::<_, Infallible>(())
        }
    })
}

async fn accept(
    state: AppState,
    limit: SocketLimit,
    req: Request,
    mut framed: Framed<TcpStream, h1::Codec>,
) {
    let head = req.head();
    let Some(endpoint) = routes::endpoint(head.uri.path()) else {
        let error = CommonError::NotFound("WebSocket endpoint");
        return refuse(framed, error.error_response()).await;
    };
    // Places first, then who is asking, then what they may open: a client over its
    // share costs no database call.
    let address = client_address(
        framed.io_ref().peer_addr().ok(),
        head,
        &state.settings.server.trusted_proxies,
    );
    let slot = match limit.take(address) {
        Ok(slot) => slot,
        Err(e) => return refuse_for_room(framed, e).await,
    };
    let user_id = match authenticate(&state, head) {
        Ok(user_id) => user_id,
        Err(e) => return refuse(framed, e.error_response()).await,
    };
    let slot = match slot.for_user(&user_id) {
        Ok(slot) => slot,
        Err(e) => return refuse_for_room(framed, e).await,
    };
    let opened = match endpoint.check(&state, user_id, head).await {
        Ok(opened) => opened,
        Err(e) => return refuse(framed, e.error_response()).await,
    };
    let response = match ws::handshake(req.head()).map(|mut b| b.message_body(())) {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return refuse(framed, e.error_response()).await,
        Err(e) => {
            let status = e.status_code();
            return refuse(framed, json_error(status, "bad_handshake", &e.to_string())).await;
        }
    };
    if framed
        .send(H1Message::Item((response, BodySize::None)))
        .await
        .is_err()
    {
        return;
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
    opened.start(state, Session::new(socket), stream);
}

/// Refuses a socket that found no room, counting why for `/metrics`.
async fn refuse_for_room(framed: Framed<TcpStream, h1::Codec>, refused: SocketRefused) {
    metrics::counter!("imshare_ws_refused_total", "code" => refused.code()).increment(1);
    refuse(framed, refused.error_response()).await
}

/// Answers with an error response and closes the connection.
async fn refuse(mut framed: Framed<TcpStream, h1::Codec>, response: HttpResponse) {
    let (head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let mut head: Response<()> = head.into();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let size = BodySize::Sized(body.len() as u64);
    tracing::debug!(status = %head.status(), "WebSocket refused");
    // Fed, then written at once: a client may read the head only from its first packet.
    let _ = framed.feed(H1Message::Item((head, size))).await;
    let _ = framed.feed(H1Message::Chunk(Some(body))).await;
    let _ = framed.send(H1Message::Chunk(None)).await;
    let _ = framed.close().await;
}
