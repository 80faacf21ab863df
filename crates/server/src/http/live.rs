//! `/api/live`: the WebSocket shell around the live core task. It reads
//! JSON into protocol types, asks the core, and writes JSON back; no rule
//! lives here.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use earshot_domain::{CoachingError, Command};
use earshot_protocol::{ApiError, ClientMsg, ErrorCode, Me, Outcome, Request, ServerMsg, MAX_CLIENT_MESSAGE_BYTES};
use tokio::sync::broadcast;

use super::session::CurrentUser;
use super::{AppError, AppState};
use crate::live::LiveHandle;

/// Frames above this close the socket; between the protocol limit and
/// this, the client gets a `message_too_large` error and carries on.
const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Refuses foreign origins and anonymous users before upgrading.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Result<CurrentUser, AppError>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let CurrentUser(me) = user?;
    let live = state.live.clone();
    Ok(ws.max_message_size(MAX_FRAME_BYTES).on_upgrade(move |socket| serve(socket, live, me)))
}

async fn serve(mut socket: WebSocket, live: LiveHandle, me: Me) {
    tracing::info!(user = me.id.0, "live connection opened");
    live.connected(me.id).await;
    let mut deltas: Option<broadcast::Receiver<Utf8Bytes>> = None;
    loop {
        let outgoing = tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(Message::Text(text))) => answer(&live, &me, &text, &mut deltas).await,
                Some(Ok(Message::Binary(_))) => vec![error(ErrorCode::MalformedRequest, "send JSON text frames")],
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(e)) => {
                    tracing::info!(user = me.id.0, "live connection failed: {e}");
                    break;
                }
            },
            delta = next_delta(&mut deltas) => match delta {
                Ok(json) => {
                    if socket.send(Message::Text(json)).await.is_err() {
                        break;
                    }
                    continue;
                }
                // Too slow to keep up: start over from a fresh snapshot.
                Err(broadcast::error::RecvError::Lagged(_)) => subscribe(&live, &me, None, &mut deltas).await,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        };
        if send_all(&mut socket, outgoing).await.is_err() {
            break;
        }
    }
    live.disconnected(me.id).await;
    tracing::info!(user = me.id.0, "live connection closed");
}

/// The replies to one client frame.
async fn answer(live: &LiveHandle, me: &Me, text: &str, deltas: &mut Option<broadcast::Receiver<Utf8Bytes>>) -> Vec<ServerMsg> {
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        let message = format!("messages are limited to {MAX_CLIENT_MESSAGE_BYTES} bytes");
        return vec![error(ErrorCode::MessageTooLarge, &message)];
    }
    let ClientMsg { id, request } = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => return vec![error(ErrorCode::MalformedRequest, &format!("cannot read this message: {e}"))],
    };
    match Command::try_from(request) {
        Ok(command) => {
            let outcome = match live.command(me.id, command).await {
                Ok(Ok(())) => Outcome::Ok,
                Ok(Err(refusal)) => Outcome::refused(refused(&refusal)),
                Err(_) => Outcome::refused(stopping()),
            };
            vec![ServerMsg::Reply { id, outcome }]
        }
        Err(Request::Subscribe) => subscribe(live, me, Some(id), deltas).await,
        Err(other) => vec![ServerMsg::Reply {
            id,
            outcome: Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, format!("unsupported request {other:?}"))),
        }],
    }
}

/// A fresh snapshot, and from now on the deltas after it.
async fn subscribe(
    live: &LiveHandle,
    me: &Me,
    id: Option<u32>,
    deltas: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Vec<ServerMsg> {
    match live.subscribe(me.id).await {
        Ok(Ok(subscription)) => {
            *deltas = Some(subscription.deltas);
            let reply = id.map(|id| ServerMsg::Reply { id, outcome: Outcome::Ok });
            std::iter::once(ServerMsg::Snapshot(subscription.snapshot)).chain(reply).collect()
        }
        failed => {
            *deltas = None;
            let error = match failed {
                Ok(Err(refusal)) => refused(&refusal),
                _ => stopping(),
            };
            id.map(|id| ServerMsg::Reply { id, outcome: Outcome::refused(error) }).into_iter().collect()
        }
    }
}

async fn next_delta(deltas: &mut Option<broadcast::Receiver<Utf8Bytes>>) -> Result<Utf8Bytes, broadcast::error::RecvError> {
    match deltas {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn send_all(socket: &mut WebSocket, messages: Vec<ServerMsg>) -> Result<(), axum::Error> {
    for message in messages {
        // Protocol types always serialise.
        let json = serde_json::to_string(&message).expect("protocol types serialise");
        socket.send(Message::Text(json.into())).await?;
    }
    Ok(())
}

/// A domain refusal as the wire carries it.
pub fn refused(refusal: &CoachingError) -> ApiError {
    ApiError::new(refusal.code(), refusal.to_string())
}

fn stopping() -> ApiError {
    ApiError::new(ErrorCode::Internal, "the server is shutting down")
}

fn error(code: ErrorCode, message: &str) -> ServerMsg {
    ServerMsg::Error { error: ApiError::new(code, message) }
}
