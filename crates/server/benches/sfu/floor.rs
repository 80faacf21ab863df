//! The floor of real sockets on this machine: the same datagrams as the
//! coached-call mix (each speaker's 50 a second, each to two listeners)
//! through a bare relay — one blocking `recv_from` per datagram and one
//! `send_to` per forward, no crypto, no str0m, no Earshot code. What the
//! relay's thread spends per forwarded packet is what the kernel charges a
//! forwarder on loopback before any SFU work; the in-memory limit has none
//! of it.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::proc_stat;

const FRAME: Duration = Duration::from_millis(20);
/// An SRTP packet of an 80-byte Opus frame: RTP header, extensions, tag.
const DATAGRAM: usize = 120;

pub struct Floor {
    /// The relay thread's CPU per datagram it forwarded.
    pub us_per_forwarded: f64,
}

/// `calls` calls' datagrams through the relay for `window`.
pub async fn measure(calls: usize, window: Duration) -> Floor {
    let relay = UdpSocket::bind("127.0.0.1:0").unwrap();
    relay.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let relay_addr = relay.local_addr().unwrap();
    // Per call: customer and agent speak, the coach listens; each speaker
    // is heard by the other two.
    let mut routes = HashMap::new();
    let mut speakers = Vec::new();
    let mut listeners = Vec::new();
    for _ in 0..calls {
        let mut sockets = Vec::new();
        for _ in 0..3 {
            sockets.push(tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
        }
        let addrs: Vec<SocketAddr> = sockets.iter().map(|s| s.local_addr().unwrap()).collect();
        routes.insert(addrs[0], [addrs[1], addrs[2]]);
        routes.insert(addrs[1], [addrs[0], addrs[2]]);
        for (role, socket) in sockets.into_iter().enumerate() {
            let socket = Arc::new(socket);
            if role < 2 {
                speakers.push(Arc::clone(&socket));
            }
            listeners.push(socket);
        }
    }
    let running = Arc::new(AtomicBool::new(true));
    let forwarded = Arc::new(AtomicU64::new(0));
    let relay_thread = {
        let (running, forwarded) = (Arc::clone(&running), Arc::clone(&forwarded));
        std::thread::Builder::new()
            .name("relay".into())
            .spawn(move || {
                let mut buf = [0u8; 2048];
                while running.load(Ordering::Relaxed) {
                    let Ok((n, source)) = relay.recv_from(&mut buf) else { continue };
                    for to in &routes[&source] {
                        if relay.send_to(&buf[..n], to).is_ok() {
                            forwarded.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
            .unwrap()
    };
    let mut tasks = Vec::new();
    for socket in listeners {
        tasks.push(tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while socket.recv_from(&mut buf).await.is_ok() {}
        }));
    }
    for socket in speakers {
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(FRAME);
            loop {
                tick.tick().await;
                let _ = socket.send_to(&[0xAA; DATAGRAM], relay_addr).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // warm
    let (cpu_before, forwarded_before) = (proc_stat::threads("relay"), forwarded.load(Ordering::Relaxed));
    tokio::time::sleep(window).await;
    let cpu = proc_stat::threads("relay").saturating_sub(cpu_before);
    let forwarded = forwarded.load(Ordering::Relaxed) - forwarded_before;
    running.store(false, Ordering::Relaxed);
    for task in tasks {
        task.abort();
    }
    relay_thread.join().unwrap();
    Floor { us_per_forwarded: cpu.as_secs_f64() * 1e6 / forwarded.max(1) as f64 }
}
