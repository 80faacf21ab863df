//! A network a test can drop: a TCP relay for a browser's page and live
//! socket, and a UDP relay for its call audio. While down nothing crosses
//! either way — TCP bytes already read wait, as on a real network whose
//! packets are lost and sent again, and UDP datagrams are lost — until it
//! is up again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;

pub struct Network {
    http: TcpListener,
    media: UdpSocket,
    up: watch::Sender<bool>,
}

impl Network {
    /// Binds both relays; they carry nothing until [`Network::relay_to`].
    pub async fn bind() -> Self {
        Self {
            http: TcpListener::bind("127.0.0.1:0").await.unwrap(),
            media: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            up: watch::channel(true).0,
        }
    }

    /// Where the browser loads the app through this network.
    pub fn http(&self) -> SocketAddr {
        self.http.local_addr().unwrap()
    }

    /// Where the SFU must tell browsers to send their audio.
    pub fn media(&self) -> SocketAddr {
        self.media.local_addr().unwrap()
    }

    /// Starts relaying to the server and its SFU; the handle drops and
    /// restores the network.
    pub fn relay_to(self, server: SocketAddr, sfu: SocketAddr) -> Link {
        tokio::spawn(relay_tcp(self.http, server, self.up.subscribe()));
        tokio::spawn(relay_udp(Arc::new(self.media), sfu, self.up.subscribe()));
        Link { up: self.up }
    }
}

/// Drops and restores a relayed network.
pub struct Link {
    up: watch::Sender<bool>,
}

impl Link {
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

async fn until_up(up: &mut watch::Receiver<bool>) {
    // The sender lives as long as the test: a closed channel ends the test anyway.
    let _ = up.wait_for(|up| *up).await;
}

async fn relay_tcp(listener: TcpListener, server: SocketAddr, up: watch::Receiver<bool>) {
    while let Ok((client, _)) = listener.accept().await {
        let mut up = up.clone();
        tokio::spawn(async move {
            // A connection made while down waits, as a SYN sent again would.
            until_up(&mut up).await;
            let Ok(upstream) = TcpStream::connect(server).await else { return };
            let ((client_read, client_write), (server_read, server_write)) = (client.into_split(), upstream.into_split());
            tokio::join!(pipe(client_read, server_write, up.clone()), pipe(server_read, client_write, up));
        });
    }
}

async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut up: watch::Receiver<bool>) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        until_up(&mut up).await;
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        until_up(&mut up).await;
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Each browser's source gets its own socket toward the SFU, so the SFU
/// tells peers apart as it would without the relay.
async fn relay_udp(socket: Arc<UdpSocket>, sfu: SocketAddr, up: watch::Receiver<bool>) {
    let mut upstreams: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let mut buf = vec![0; 2048];
    while let Ok((n, browser)) = socket.recv_from(&mut buf).await {
        if !*up.borrow() {
            continue;
        }
        let upstream = match upstreams.get(&browser) {
            Some(upstream) => Arc::clone(upstream),
            None => {
                let upstream = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                upstream.connect(sfu).await.unwrap();
                tokio::spawn(relay_back(Arc::clone(&upstream), Arc::clone(&socket), browser, up.clone()));
                upstreams.insert(browser, Arc::clone(&upstream));
                upstream
            }
        };
        let _ = upstream.send(&buf[..n]).await;
    }
}

async fn relay_back(upstream: Arc<UdpSocket>, socket: Arc<UdpSocket>, browser: SocketAddr, up: watch::Receiver<bool>) {
    let mut buf = vec![0; 2048];
    while let Ok(n) = upstream.recv(&mut buf).await {
        if *up.borrow() {
            let _ = socket.send_to(&buf[..n], browser).await;
        }
    }
}
