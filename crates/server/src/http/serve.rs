//! The accept loop: one HTTP/1.1 connection per task, with the limits
//! `axum::serve` does not offer. A client that dribbles its headers (or sits
//! idle between requests) is closed after [`Limits::header_timeout`]; one
//! address may hold at most [`Limits::per_address`] connections; a request
//! (its body included) must complete within [`Limits::request_timeout`].
//! A trusted proxy's connections are not capped: they carry every client's
//! requests, each marked with its client's address ([`ClientAddr`]) and
//! holding one of that client's places ([`ClientSlot`]) while it is
//! answered — and, for a WebSocket, while the socket is open.
//! An upgraded WebSocket keeps its connection's place (the count is held by
//! the stream itself) but leaves the timeouts: its liveness is the
//! heartbeat's business.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use earshot_protocol::ErrorCode;

use super::client::{ClientAddr, TrustedProxies};
use super::AppError;
use super::socket::server_stopping;

/// What one client may hold open, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a request's headers, counted from the first byte awaited —
    /// so also how long an idle keep-alive connection lives.
    pub header_timeout: Duration,
    /// From the headers to the handler's answer, body included.
    pub request_timeout: Duration,
    /// Open connections per client address. A whole contact centre may sit
    /// behind one NAT address; raise it there (`--max-connections-per-address`).
    pub per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { header_timeout: Duration::from_secs(10), request_timeout: Duration::from_secs(30), per_address: 1000 }
    }
}

/// Serves `router` on `listener` until `signal`, then stops accepting, lets
/// each connection finish its request and returns when all are closed.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, proxies: TrustedProxies, signal: impl Future<Output = ()> + Send + 'static) {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        stop.send_replace(true);
    });
    let open = Arc::new(OpenConnections::default());
    // Each connection task holds a receiver of this until it ends.
    let (tasks, task) = watch::channel(());
    let mut accepting = stopped.clone();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, mostly: wait for connections to close.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = server_stopping(&mut accepting) => break,
        };
        let slot = if proxies.trusts(remote.ip()) {
            None
        } else {
            let Some(slot) = open.take(remote.ip(), limits.per_address) else {
                tracing::warn!("{} holds {} connections; refused another", remote.ip(), limits.per_address);
                continue; // dropping the stream closes it
            };
            Some(slot)
        };
        let stream = Counted { stream, _slot: slot };
        let (router, stopping, task, proxies, open) = (router.clone(), stopped.clone(), task.clone(), proxies.clone(), Arc::clone(&open));
        tokio::spawn(async move {
            connection(stream, remote, router, limits, proxies, open, stopping).await;
            drop(task);
        });
    }
    drop(task);
    tasks.closed().await;
}

async fn connection(
    stream: Counted,
    remote: SocketAddr,
    router: Router,
    limits: Limits,
    proxies: TrustedProxies,
    open: Arc<OpenConnections>,
    mut stopping: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let client = proxies.client(remote.ip(), request.headers());
        // Behind a trusted proxy each client has its own places, as a
        // client connecting directly has its connections.
        if proxies.trusts(remote.ip()) {
            match open.take(client, limits.per_address) {
                Some(slot) => drop(request.extensions_mut().insert(ClientSlot { _held: Arc::new(slot) })),
                None => {
                    tracing::warn!("{client} (behind a proxy) holds {} requests and sockets; refused another", limits.per_address);
                    let busy = AppError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::Busy, "too many connections from your address: close some and try again");
                    return futures_util::future::Either::Left(std::future::ready(Ok(busy.into_response())));
                }
            }
        }
        request.extensions_mut().insert(ConnectInfo(remote));
        request.extensions_mut().insert(ClientAddr(client));
        futures_util::future::Either::Right(router.clone().oneshot(request))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => return log_end(result),
        _ = server_stopping(&mut stopping) => conn.as_mut().graceful_shutdown(),
    }
    log_end(conn.await);
}

fn log_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::debug!("connection ended: {e}");
    }
}

/// Connections open per client address.
#[derive(Default)]
struct OpenConnections(Mutex<HashMap<IpAddr, usize>>);

impl OpenConnections {
    /// A slot for one more connection from `address`, unless it holds `cap`.
    fn take(self: &Arc<Self>, address: IpAddr, cap: usize) -> Option<Slot> {
        let mut open = self.0.lock().expect("connection counts lock");
        let count = open.entry(address).or_default();
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot { open: Arc::clone(self), address })
    }
}

/// A forwarded client's place, held by its request (and by a WebSocket
/// opened with it, which keeps a clone for its life).
#[derive(Clone)]
pub struct ClientSlot {
    _held: Arc<Slot>,
}

/// One open connection; closing it (dropping the slot) frees its place.
struct Slot {
    open: Arc<OpenConnections>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().expect("connection counts lock");
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// A connection's stream, holding its place for as long as it is open —
/// through an upgrade to a WebSocket too (a trusted proxy's holds none).
struct Counted {
    stream: TcpStream,
    _slot: Option<Slot>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
