//! What the live and the caller's WebSockets share: sending frames, saying
//! goodbye with the right close code, noticing a dead peer.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use std::future::Future;

use earshot_protocol::{ApiError, ErrorCode, Outcome, ServerMsg};
use futures_util::SinkExt;
use tokio::sync::watch;
use tokio::time::{Instant, Interval};

/// Frames above this close the socket; between the protocol limit and
/// this, the client gets a `message_too_large` error and carries on.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// What an agent or a caller was last told of their own call. A change
/// they may not see (a silent coach, any coaching for a caller) leaves
/// their view as it was, and sends nothing — not even a repeat whose
/// timing would tell.
pub struct LastTold<T>(Option<T>);

impl<T> Default for LastTold<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: Clone + PartialEq> LastTold<T> {
    /// Tells `view`, whatever was told before (an answer to a request).
    pub fn tell(&mut self, view: T) -> T {
        self.0 = Some(view.clone());
        view
    }

    /// Tells `view` only when it differs from what was told: a change the
    /// reader may not see sends nothing at all.
    pub fn tell_news(&mut self, view: T) -> Option<T> {
        (self.0.as_ref() != Some(&view)).then(|| self.tell(view))
    }
}

/// After a frame the socket could not take, tells the peer why with the
/// close code RFC 6455 names for it — rather than dropping the connection
/// (1006). Other failures (the peer gone) need no goodbye.
pub async fn close_after(socket: &mut WebSocket, error: axum::Error) {
    let error = error.into_inner();
    let Some(error) = error.downcast_ref::<tungstenite::Error>() else { return };
    let (code, reason) = match error {
        tungstenite::Error::Capacity(_) => (close_code::SIZE, "message too big: messages are limited to 1 MiB"),
        tungstenite::Error::Utf8(_) => (close_code::INVALID, "a text frame was not UTF-8"),
        tungstenite::Error::Protocol(_) => (close_code::PROTOCOL, "a WebSocket protocol error"),
        _ => return,
    };
    send_close(socket, code, reason).await;
}

/// Resolves once the server stops (at once if it already has).
pub async fn server_stopping(stopping: &mut watch::Receiver<bool>) {
    // An error means the server is gone, which is stopping too.
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

/// How long a goodbye may take: a peer that stops reading gets none.
const GOODBYE_WITHIN: Duration = Duration::from_secs(1);

pub async fn send_close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
    let goodbye = socket.send(Message::Close(Some(frame)));
    let _ = tokio::time::timeout(GOODBYE_WITHIN, goodbye).await; // a gone peer needs no goodbye
}

/// How long the server may take to answer one request before the asker
/// is told it is late (the request may still take effect).
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// The replies `answer` makes to request `id`, unless `end` comes first
/// (the socket must close: the server stops, the session ends) or the
/// answer takes longer than [`ANSWER_WITHIN`]: a stalled core, database or
/// media shard never holds a socket open past its end.
pub async fn answer_within<E>(id: u32, answer: impl Future<Output = Vec<ServerMsg>>, end: impl Future<Output = E>) -> Result<Vec<ServerMsg>, E> {
    tokio::select! {
        replies = tokio::time::timeout(ANSWER_WITHIN, answer) => Ok(replies.unwrap_or_else(|_| {
            let late = ApiError::new(ErrorCode::Unavailable, "the server did not answer in time: your request may still take effect; look again shortly");
            vec![ServerMsg::Reply { id, outcome: Outcome::refused(late) }]
        })),
        end = end => Err(end),
    }
}

/// A frame to send: a message built here (boxed: the deltas, by far the
/// most frames, stay small), a delta serialised once for everyone, or the
/// heartbeat's ping.
pub enum Frame {
    Message(Box<ServerMsg>),
    Json(Utf8Bytes),
    Ping,
}

pub fn frames(messages: Vec<ServerMsg>) -> Vec<Frame> {
    messages.into_iter().map(Frame::message).collect()
}

impl Frame {
    pub fn message(message: ServerMsg) -> Self {
        Frame::Message(Box::new(message))
    }
}

/// Writes `frames` and flushes once: a socket with several waiting goes
/// out in one write, not one per frame. A peer that takes none of it for
/// `within` (it stopped reading) has failed.
pub async fn send_all(socket: &mut WebSocket, frames: Vec<Frame>, within: Duration) -> Result<(), Stalled> {
    match tokio::time::timeout(within, write_all(socket, frames)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Stalled),
    }
}

/// A socket that could not be written: gone, or not reading.
#[derive(Debug)]
pub struct Stalled;

async fn write_all(socket: &mut WebSocket, frames: Vec<Frame>) -> Result<(), axum::Error> {
    for frame in frames {
        let message = match frame {
            // Protocol types always serialise.
            Frame::Message(message) => Message::Text(serde_json::to_string(&message).expect("protocol types serialise").into()),
            Frame::Json(json) => Message::Text(json),
            Frame::Ping => Message::Ping(Bytes::new()),
        };
        socket.feed(message).await?;
    }
    socket.flush().await
}

/// Pings the peer every period; a peer silent for three periods (a frozen
/// browser, a dead network — TCP may say otherwise) is dead.
pub struct Heartbeat {
    period: Duration,
    ping: Interval,
    heard: Instant,
}

impl Heartbeat {
    pub fn new(period: Duration) -> Self {
        Self { period, ping: tokio::time::interval(period), heard: Instant::now() }
    }

    /// The peer said something (any frame, a pong included).
    pub fn heard(&mut self) {
        self.heard = Instant::now();
    }

    /// How long a peer may go without a word, or without taking a frame
    /// sent to it, before it counts as dead.
    pub fn dead_after(&self) -> Duration {
        self.period * 3
    }

    /// Waits for the next beat: a ping to send, or how long the peer has
    /// been silent once it is dead.
    pub async fn beat(&mut self) -> Result<Vec<Frame>, Duration> {
        self.ping.tick().await;
        let silent = self.heard.elapsed();
        if silent >= self.dead_after() {
            return Err(silent);
        }
        Ok(vec![Frame::Ping])
    }
}
