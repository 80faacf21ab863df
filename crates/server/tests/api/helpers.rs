use std::time::Duration;

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_protocol::{CallDetail, CallId, CallKind, ClientMsg, Direction, NumberId, Outcome, Request, ServerMsg, Snapshot, UserId};
use earshot_server::live::LiveHandle;
use earshot_server::media::MediaHandle;
use earshot_server::{Application, Config};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Demo accounts (see `earshot_domain::seed`).
pub const SAM: &str = "sam@earshot.demo"; // supervisor, Live Monitoring, every number
pub const OMAR: &str = "omar@earshot.demo"; // supervisor, Live Monitoring, Support only
pub const NINA: &str = "nina@earshot.demo"; // supervisor without Live Monitoring
pub const ALEX: &str = "alex@earshot.demo"; // agent
pub const ALEX_ID: UserId = UserId(10);

/// A server in this process: its site, and its core and SFU to script.
pub struct TestApp {
    pub site: Site,
    pub live: LiveHandle,
    pub media: MediaHandle,
    /// The setup link's path, when the company had no admin at start.
    pub setup_link: Option<String>,
}

impl std::ops::Deref for TestApp {
    type Target = Site;

    fn deref(&self) -> &Site {
        &self.site
    }
}

/// A running server as its clients reach it: HTTP and WebSocket.
pub struct Site {
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
}

impl Site {
    pub fn at(addr: std::net::SocketAddr) -> Site {
        Site { addr, client: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/session"))
            .header("origin", self.origin())
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("server answers")
    }

    /// Signs in with the demo password and returns the `Cookie` header value.
    pub async fn session_cookie(&self, email: &str) -> String {
        let response = self.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), 200, "{email} signs in");
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    /// A live WebSocket signed in as `email`.
    pub async fn live_client(&self, email: &str) -> LiveClient {
        let cookie = self.session_cookie(email).await;
        self.live_client_with(&cookie).await
    }

    /// A live WebSocket opened with the session `cookie`.
    pub async fn live_client_with(&self, cookie: &str) -> LiveClient {
        self.live_client_in(cookie, 0).await
    }

    /// A live WebSocket opened with the session `cookie` by app window `window`.
    pub async fn live_client_in(&self, cookie: &str, window: u64) -> LiveClient {
        LiveClient::open(self.live_request(cookie, window)).await
    }

    /// A live WebSocket opened with the session `cookie` through a proxy
    /// that says it forwards for `client`.
    pub async fn live_client_for(&self, cookie: &str, client: &str) -> LiveClient {
        let mut request = self.live_request(cookie, 0);
        request.headers_mut().insert("x-forwarded-for", client.parse().unwrap());
        LiveClient::open(request).await
    }

    fn live_request(&self, cookie: &str, window: u64) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let mut request = format!("ws://{}/api/live?window={window}", self.addr).into_client_request().unwrap();
        request.headers_mut().insert("origin", self.origin().parse().unwrap());
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        request
    }

    /// A live WebSocket whose receive buffer is a few KiB: a peer that
    /// stops reading soon stops taking what the server sends.
    pub async fn live_client_small_buffer(&self, cookie: &str) -> LiveClient {
        let tcp = tokio::net::TcpSocket::new_v4().unwrap();
        tcp.set_recv_buffer_size(4096).unwrap();
        let stream = tcp.connect(self.addr).await.expect("TCP connects");
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        let (socket, _) = tokio_tungstenite::client_async(self.live_request(cookie, 0), stream).await.expect("WebSocket opens");
        LiveClient { socket, next_id: 1 }
    }

    /// The caller phone's WebSocket (anonymous).
    pub async fn caller_client(&self) -> LiveClient {
        let mut request = format!("ws://{}/api/caller", self.addr).into_client_request().unwrap();
        request.headers_mut().insert("origin", self.origin().parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket opens");
        LiveClient { socket, next_id: 1 }
    }

    /// `GET path` with the session `cookie`: the status and the JSON body.
    pub async fn get_json(&self, path: &str, cookie: &str) -> (u16, serde_json::Value) {
        let response = self.client.get(self.url(path)).header("cookie", cookie).send().await.expect("server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `PUT path` with `body`, from the app's own page: the status and the JSON answer.
    /// A call's conversation view as `cookie` reads it; it must be there.
    pub async fn call_detail(&self, call: CallId, cookie: &str) -> CallDetail {
        let (status, detail) = self.get_json(&format!("/api/calls/{}", call.0), cookie).await;
        assert_eq!(status, 200, "{detail}");
        serde_json::from_value(detail).expect("a call's detail")
    }

    pub async fn put_json(&self, path: &str, cookie: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::PUT, path, cookie, body).await
    }

    /// `POST path` with `body`, from the app's own page: the status and the JSON answer.
    pub async fn post_json(&self, path: &str, cookie: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, path, cookie, body).await
    }

    async fn send_json(&self, method: reqwest::Method, path: &str, cookie: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let request = self.client.request(method, self.url(path)).header("cookie", cookie).header("origin", self.origin()).json(&body);
        let response = request.send().await.expect("server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

impl TestApp {
    /// The live state as a monitor's dashboard sees it now (Ada's).
    pub async fn snapshot(&self) -> Snapshot {
        self.live.subscribe(UserId(1)).await.unwrap().unwrap().snapshot
    }

    /// `agent` signed in somewhere and Available, as if their softphone
    /// were open: a caller may be put through to them.
    pub async fn present(&self, agent: UserId) {
        self.live.connected(agent).await;
        self.live.set_presence(agent, true, String::new()).await.unwrap().expect("an agent of the company");
    }

    /// A regular call on `number` from a real caller, answered by Alex.
    pub async fn answered_call(&self, number: NumberId) -> CallId {
        self.answered_call_from(Origin::Caller, number).await
    }

    /// The same, from `origin` (a phone line's call may go to an outside number).
    pub async fn answered_call_from(&self, origin: Origin, number: NumberId) -> CallId {
        self.present(ALEX_ID).await;
        let call = self.live.start_call(NewCall { origin, number, customer_phone: "+447700900100".into(), direction: Direction::Inbound, kind: CallKind::Regular }).await.unwrap();
        // A caller goes by themselves to an agent who is online; else Alex answers.
        if self.live.call_event(CallEvent::Answered { call, agent: ALEX_ID }).await.unwrap().is_err() {
            assert_eq!(self.live.my_call(ALEX_ID).await.unwrap().map(|c| c.id), Some(call), "the caller went to Alex");
        }
        call
    }
}

pub struct LiveClient {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u32,
}

impl LiveClient {
    async fn open(request: tokio_tungstenite::tungstenite::handshake::client::Request) -> LiveClient {
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket opens");
        LiveClient { socket, next_id: 1 }
    }

    pub async fn send_text(&mut self, text: String) {
        self.send_message(Message::text(text)).await;
    }

    /// Sends any frame, well-formed or not.
    pub async fn send_message(&mut self, message: Message) {
        self.socket.send(message).await.expect("frame sent");
    }

    /// Sends a request; returns its id.
    pub async fn send(&mut self, request: Request) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(serde_json::to_string(&ClientMsg { id, request }).unwrap()).await;
        id
    }

    /// The next server message (5 s at most).
    /// The next message, if one comes within `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<ServerMsg> {
        tokio::time::timeout(wait, self.recv()).await.ok()
    }

    pub async fn recv(&mut self) -> ServerMsg {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.socket.next())
                .await
                .expect("a message within 5 s")
                .expect("socket open")
                .expect("frame readable");
            if let Message::Text(text) = frame {
                return serde_json::from_str(&text).unwrap_or_else(|e| panic!("unreadable server message {text}: {e}"));
            }
        }
    }

    /// Reads until the server closes the socket: its close code and reason
    /// (5 s at most).
    pub async fn closed(&mut self) -> (u16, String) {
        self.closed_within(Duration::from_secs(5)).await
    }

    pub async fn closed_within(&mut self, wait: Duration) -> (u16, String) {
        match self.ended_within(wait).await {
            Ok(frame) => frame,
            Err(other) => panic!("closed without a close frame: {other}"),
        }
    }

    /// The next message within `wait` (`None`: none came), or how the
    /// socket ended.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<ServerMsg>, String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else { return Ok(None) };
            match frame {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).map(Some).map_err(|e| format!("unreadable {text}: {e}")),
                Some(Ok(Message::Close(frame))) => return Err(format!("closed: {frame:?}")),
                Some(Ok(_)) => {}
                other => return Err(format!("{other:?}")),
            }
        }
    }

    /// Reads until the server ends the socket (`wait` at most): its close
    /// code and reason, or how else it ended (a pong this client owed a
    /// stalled server meets the closed connection).
    pub async fn ended_within(&mut self, wait: Duration) -> Result<(u16, String), String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next()).await.unwrap_or_else(|_| panic!("closed within {wait:?}"));
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => return Ok((frame.code.into(), frame.reason.to_string())),
                Some(Ok(_)) => {}
                other => return Err(format!("{other:?}")),
            }
        }
    }

    /// This agent takes calls from now on (a softphone comes in Not ready).
    pub async fn go_available(&mut self) {
        let (outcome, _) = self.request(Request::SetPresence { available: true, reason: String::new() }).await;
        assert_eq!(outcome, Outcome::Ok, "available");
    }

    /// Sends a request and waits for its reply, keeping the messages before it.
    pub async fn request(&mut self, request: Request) -> (Outcome, Vec<ServerMsg>) {
        let id = self.send(request).await;
        self.reply(id).await
    }

    /// A request's outcome, or `None` where the socket closes (or stays
    /// silent 5 s) before its reply: for load that outlives sockets.
    pub async fn try_request(&mut self, request: Request) -> Option<Outcome> {
        let id = self.next_id;
        self.next_id += 1;
        self.socket.send(Message::text(serde_json::to_string(&ClientMsg { id, request }).unwrap())).await.ok()?;
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.socket.next()).await.ok()?? {
                Ok(Message::Text(text)) => match serde_json::from_str(&text) {
                    Ok(ServerMsg::Reply { id: got, outcome }) if got == id => return Some(outcome),
                    _ => {}
                },
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Waits for the reply to request `id`, keeping the messages before it.
    pub async fn reply(&mut self, id: u32) -> (Outcome, Vec<ServerMsg>) {
        let mut before = Vec::new();
        loop {
            match self.recv().await {
                ServerMsg::Reply { id: got, outcome } if got == id => return (outcome, before),
                other => before.push(other),
            }
        }
    }
}

/// The demo company with no simulator: tests script every call.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`], and what stops it (as SIGTERM would).
pub async fn spawn_app_stoppable() -> (TestApp, tokio::sync::oneshot::Sender<()>) {
    let config = Config { addr: "127.0.0.1:0".parse().unwrap(), ..Config::demo() };
    let app = Application::build(config).await.expect("server starts");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, live, media) = (app.local_addr(), app.live(), app.media());
    tokio::spawn(app.run_until(async move { drop(stopped.await) }));
    (TestApp { site: Site::at(addr), live, media, setup_link: None }, stop)
}

/// [`spawn_app`], with the configuration changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::demo();
    configure(&mut config);
    spawn_company(config).await
}

/// A server for the company `config` starts with, on a port of its own.
pub async fn spawn_company(config: Config) -> TestApp {
    let config = Config { addr: "127.0.0.1:0".parse().unwrap(), ..config };
    let app = Application::build(config).await.expect("server starts");
    let addr = app.local_addr();
    let live = app.live();
    let media = app.media();
    let setup_link = app.setup_link().map(str::to_owned);
    tokio::spawn(app.run_until_stopped());
    TestApp { site: Site::at(addr), live, media, setup_link }
}
