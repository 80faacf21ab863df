//! `/api/live`: the WebSocket that carries live state and coaching signals.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::session::CurrentUser;
use super::{AppError, AppState};

/// Largest client message accepted; anything bigger is refused by the socket.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Refuses foreign origins and anonymous users before upgrading.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Result<CurrentUser, AppError>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let CurrentUser(me) = user?;
    Ok(ws.max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| serve(socket, me)))
}

async fn serve(mut socket: WebSocket, me: earshot_protocol::Me) {
    tracing::info!(user = me.id.0, "live connection opened");
    while let Some(Ok(message)) = socket.recv().await {
        if let Message::Close(_) = message {
            break;
        }
    }
    tracing::info!(user = me.id.0, "live connection closed");
}
