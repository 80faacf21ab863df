//! Dashboards: WebSocket clients signed in as a supervisor, each
//! subscribed to the live state as the app is, reading every frame. They
//! read a delta's `seq` and call id off the front of its text rather than
//! parse it: two thousand parsers would be the generator's load, not the
//! server's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_protocol::{CallId, ClientMsg, Request};
use earshot_server::media::Hops;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::centre::Asked;

/// What one dashboard saw.
#[derive(Default)]
pub struct Seen {
    /// Change asked of the core → this dashboard read it.
    pub delivery: Hops,
    /// Deltas that did not follow the last one, and snapshots after the first.
    pub gaps: u64,
    pub deltas: u64,
}

/// A dashboard's socket, subscribed: its snapshot read.
pub struct Dashboard {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    seq: u64,
    /// The snapshot's size in bytes, and socket opened → snapshot read.
    pub snapshot: (usize, Duration),
}

impl Dashboard {
    pub async fn open(addr: std::net::SocketAddr, cookie: &str) -> Dashboard {
        let opened = Instant::now();
        let mut request = format!("ws://{addr}/api/live?window=0").into_client_request().unwrap();
        request.headers_mut().insert("origin", format!("http://{addr}").parse().unwrap());
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the WebSocket opens");
        let subscribe = serde_json::to_string(&ClientMsg { id: 1, request: Request::Subscribe }).unwrap();
        socket.send(Message::text(subscribe)).await.expect("the server reads");
        loop {
            let text = match socket.next().await {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(_)) => continue,
                other => panic!("the socket ended before its snapshot: {other:?}"),
            };
            if text.starts_with(r#"{"type":"snapshot""#) {
                let seq = number_after(&text, r#""seq":"#).expect("a snapshot has its seq");
                return Dashboard { socket, seq, snapshot: (text.len(), opened.elapsed()) };
            }
        }
    }

    /// Reads until `running` clears: each delta's delivery against when its
    /// change was asked.
    pub async fn read(mut self, calls: Arc<HashMap<CallId, usize>>, asked: Arc<Asked>, running: Arc<AtomicBool>) -> Seen {
        let mut seen = Seen::default();
        while running.load(Ordering::Relaxed) {
            let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_millis(100), self.socket.next()).await else { continue };
            let Message::Text(text) = message else { continue };
            if text.starts_with(r#"{"type":"snapshot""#) {
                seen.gaps += 1;
                self.seq = number_after(&text, r#""seq":"#).unwrap_or(self.seq);
                continue;
            }
            let Some(seq) = text.strip_prefix(r#"{"type":"delta","seq":"#).and_then(|rest| number_after(rest, "")) else { continue };
            if seq <= self.seq {
                continue; // a gateway's delta the snapshot already has
            }
            seen.deltas += 1;
            if seq != self.seq + 1 {
                seen.gaps += 1;
            }
            self.seq = seq;
            let call = number_after(&text, r#""call":{"id":"#).map(CallId);
            if let Some(at) = call.and_then(|call| calls.get(&call)).and_then(|&index| asked.of(index)) {
                seen.delivery.record(at.elapsed());
            }
        }
        seen
    }
}

/// The decimal number right after the first `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<u64> {
    let start = text.find(marker)? + marker.len();
    let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
    text[start..start + digits].parse().ok()
}
