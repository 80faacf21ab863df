//! ICE-TCP (RFC 6544) for networks that block UDP: a TCP listener beside
//! the UDP socket, offered to browsers as a passive candidate. Each
//! connection carries RFC 4571 frames — a 2-byte length, then one packet —
//! which the media task treats like datagrams from the connection's peer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Connections open at most: each is a browser's whole call audio.
const MAX_CONNECTIONS: usize = 4096;
/// A connection silent this long is closed (ICE keeps a live one busy).
const SILENT: Duration = Duration::from_secs(30);
/// Frames queued toward one peer; beyond, audio is dropped as UDP would.
const QUEUED: usize = 256;

/// What the connections tell the media task.
pub enum TcpEvent {
    /// A peer connected; frames sent on `frames` reach it.
    Opened { peer: SocketAddr, frames: mpsc::Sender<Vec<u8>> },
    Frame { peer: SocketAddr, packet: Vec<u8> },
    Closed { peer: SocketAddr },
}

/// Accepts connections until the media task goes.
pub async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>, loopback_only: bool) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("media TCP accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if loopback_only && !peer.ip().is_loopback() {
            tracing::debug!(%peer, "refused a media connection from off this machine");
            continue;
        }
        if open.fetch_add(1, Ordering::Relaxed) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(%peer, "{MAX_CONNECTIONS} media connections open: refused another");
            continue;
        }
        if events.is_closed() {
            return;
        }
        let (events, open) = (events.clone(), Arc::clone(&open));
        tokio::spawn(async move {
            connection(stream, peer, &events).await;
            let _ = events.send(TcpEvent::Closed { peer }).await; // the media task may have gone
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, events: &mpsc::Sender<TcpEvent>) {
    let _ = stream.set_nodelay(true); // audio: every packet now, not batched
    let (mut reader, mut writer) = stream.into_split();
    let (frames, mut outgoing) = mpsc::channel::<Vec<u8>>(QUEUED);
    if events.send(TcpEvent::Opened { peer, frames }).await.is_err() {
        return;
    }
    let write = async move {
        while let Some(packet) = outgoing.recv().await {
            // Packets come from str0m, far below 64 KiB.
            let length = u16::try_from(packet.len()).expect("a packet fits a frame");
            let mut frame = Vec::with_capacity(2 + packet.len());
            frame.extend_from_slice(&length.to_be_bytes());
            frame.extend_from_slice(&packet);
            if writer.write_all(&frame).await.is_err() {
                return;
            }
        }
    };
    let read = async move {
        loop {
            let length = match tokio::time::timeout(SILENT, reader.read_u16()).await {
                Ok(Ok(length)) => usize::from(length),
                _ => return, // closed, broken or silent
            };
            let mut packet = vec![0; length];
            if !matches!(tokio::time::timeout(SILENT, reader.read_exact(&mut packet)).await, Ok(Ok(_))) {
                return;
            }
            if events.send(TcpEvent::Frame { peer, packet }).await.is_err() {
                return;
            }
        }
    };
    // Either side ending ends the connection.
    tokio::select! { _ = write => {}, _ = read => {} }
}
