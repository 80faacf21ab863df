//! Connections a hostile client holds open: half-sent headers, idle
//! keep-alives, trickled bodies, and too many at once from one address.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app_with, TestApp};

const SHORT: Duration = Duration::from_millis(300);

async fn app_with_short_limits(per_address: usize) -> TestApp {
    spawn_app_with(|config| {
        config.connections.header_timeout = SHORT;
        config.connections.request_timeout = SHORT;
        config.connections.per_address = per_address;
    })
    .await
}

/// Reads until the server closes the connection, or gives up after 5 s.
async fn read_until_closed(stream: &mut TcpStream) -> Result<String, &'static str> {
    let mut answer = Vec::new();
    match tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => Err("the server kept the connection open"),
    }
}

async fn get_root(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"GET /api/numbers HTTP/1.1\r\nHost: earshot\r\n\r\n").await.unwrap();
    stream
}

#[tokio::test]
async fn half_sent_headers_are_closed() {
    let app = app_with_short_limits(100).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"GET /api/numbers HTTP/1.1\r\nHost: earshot\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    read_until_closed(&mut stream).await.unwrap();
    assert!(started.elapsed() >= SHORT, "closed only once the header timeout passed");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = app_with_short_limits(100).await;
    let mut stream = get_root(&app).await;
    let answer = read_until_closed(&mut stream).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "the request was answered: {answer}");
}

#[tokio::test]
async fn a_trickled_body_times_out_with_408() {
    let app = app_with_short_limits(100).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/session HTTP/1.1\r\nHost: earshot\r\nOrigin: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\"",
        app.origin()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "answered: {answer}");
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    let app = app_with_short_limits(3).await;
    // Three WebSockets hold their places as long as they are open.
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(app.caller_client().await);
    }
    let mut refused = get_root(&app).await;
    assert_eq!(read_until_closed(&mut refused).await.unwrap(), "", "a fourth is closed unanswered");

    sockets.pop();
    tokio::time::sleep(Duration::from_millis(100)).await; // the server notices the close
    let mut accepted = get_root(&app).await;
    let answer = read_until_closed(&mut accepted).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "a closed one frees its place: {answer}");
}

/// Opens the caller's socket as a client behind the proxy at `client`.
async fn caller_from(app: &TestApp, client: &str) -> Result<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/api/caller", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("origin", app.origin().parse().unwrap());
    request.headers_mut().insert("x-forwarded-for", client.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_places() {
    let app = spawn_app_with(|config| {
        config.connections.per_address = 2;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let first = caller_from(&app, "203.0.113.7").await.expect("a first socket");
    let _second = caller_from(&app, "203.0.113.7").await.expect("a second");
    assert_eq!(caller_from(&app, "203.0.113.7").await.err(), Some(429), "a third from the same client is refused");
    let _other = caller_from(&app, "203.0.113.8").await.expect("another client behind the same proxy is not");
    drop(first);
    let freed = async {
        loop {
            match caller_from(&app, "203.0.113.7").await {
                Ok(socket) => return socket,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), freed).await.expect("a closed socket frees its place");
}
