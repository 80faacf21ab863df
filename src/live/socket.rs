//! The one live WebSocket: subscribe, apply snapshots and deltas, resubscribe
//! on a gap, reconnect with back-off after a drop, and correlate replies.
//! Only this module writes the live state.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use earshot_protocol::{ApiError, ClientMsg, ErrorCode, Millis, Outcome, Request, ServerMsg, CLOSE_ACCOUNT_CHANGED, CLOSE_SESSION_ENDED};
use futures::channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// How soon a page that draws no frames (hidden) hears of a change.
const HIDDEN_FRAME: Duration = Duration::from_millis(100);

use super::model::{Applied, LiveState};
use crate::auth::Session;

/// The socket's state, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    /// Dropped; trying again.
    Reconnecting,
}

/// Read handles on the live state, and requests to the server.
#[derive(Clone, Copy)]
pub struct Live {
    state: RwSignal<LiveState>,
    status: RwSignal<Connection>,
    /// The local clock, ticking every second (durations).
    local_now: RwSignal<Millis>,
    client: StoredValue<Rc<RefCell<Client>>, LocalStorage>,
    endpoint: StoredValue<Endpoint>,
    /// This page's id among the user's windows (random per load), named on
    /// every live socket so the server knows where the coach's audio plays.
    window: u64,
    /// The signed-in user's session; none for the caller's phone.
    session: Option<Session>,
}

/// Which socket, and what it asks for on every (re)connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/api/live`, subscribed to the whole live state.
    Dashboard,
    /// `/api/live`, following the agent's own call.
    Agent,
    /// `/api/caller`: nothing until the caller dials.
    Caller,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Endpoint::Dashboard | Endpoint::Agent => "/api/live",
            Endpoint::Caller => "/api/caller",
        }
    }

    fn first(self) -> Option<Request> {
        match self {
            Endpoint::Dashboard => Some(Request::Subscribe),
            Endpoint::Agent => Some(Request::WatchMyCall),
            Endpoint::Caller => None,
        }
    }
}

impl Live {
    pub fn expect() -> Self {
        expect_context::<Live>()
    }

    pub fn state(&self) -> ReadSignal<LiveState> {
        self.state.read_only()
    }

    pub fn status(&self) -> ReadSignal<Connection> {
        self.status.read_only()
    }

    /// This page's window id (see `CoachingView::audio_window`).
    pub fn window(&self) -> u64 {
        self.window
    }

    /// The server's clock, ticking every second. Only the tick is followed
    /// (a new clock offset shows at the next one): a duration on screen
    /// changes once a second, not with every change to the live state.
    pub fn server_now(&self) -> Millis {
        let local = self.local_now.get();
        self.state.with_untracked(|s| s.server_now(local))
    }

    /// Sends a request and waits for its reply.
    pub async fn request(&self, request: Request) -> Outcome {
        let reply = self.client.with_value(|client| Client::send(client, request));
        match reply {
            Some(reply) => reply.await.unwrap_or_else(|_| lost()),
            None => lost(),
        }
    }

    /// Sends a request whose reply only confirms: done, or the refusal's words.
    pub async fn act(&self, request: Request) -> Result<(), String> {
        match self.request(request).await {
            Outcome::Refused { error } => Err(error.message),
            _ => Ok(()),
        }
    }
}

fn lost() -> Outcome {
    Outcome::refused(ApiError::new(ErrorCode::Internal, "the connection to the server was lost; reconnecting…"))
}

/// A named moment in the page's performance timeline (`cargo xtask bench
/// dashboard` reads them; so can anyone in the browser's tools).
fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name); // the timeline is a nicety, never a reason to fail
    }
}

fn local_now() -> Millis {
    Millis(js_sys::Date::now() as u64)
}

impl Live {
    /// A live state with no socket, fed through [`Live::receive`]; what it
    /// would send is kept for [`Live::sent`]. For component tests.
    pub fn provide_detached() -> Self {
        let live = Self::new(Endpoint::Dashboard);
        live.client.with_value(|client| client.borrow_mut().detached = true);
        live.start_clock();
        provide_context(live);
        live
    }

    /// Handles a server message exactly as one from the socket.
    pub fn receive(&self, message: ServerMsg) {
        self.client.with_value(|client| Client::handle(client, *self, message));
    }

    /// The requests sent so far (detached only).
    pub fn sent(&self) -> Vec<Request> {
        self.client.with_value(|client| client.borrow().outbox.clone())
    }

    fn new(endpoint: Endpoint) -> Self {
        Live {
            endpoint: StoredValue::new(endpoint),
            state: RwSignal::new(LiveState::default()),
            status: RwSignal::new(Connection::Connecting),
            local_now: RwSignal::new(local_now()),
            client: StoredValue::new_local(Rc::new(RefCell::new(Client::default()))),
            // Never 0, which means "no window" to the server.
            window: 1 + (js_sys::Math::random() * 9_007_199_254_740_990.0) as u64,
            session: use_context::<Session>(),
        }
    }

    /// Ticks `local_now` every second until cleanup, then closes the socket.
    fn start_clock(self) {
        let tick = set_interval_with_handle(move || self.local_now.set(local_now()), Duration::from_secs(1));
        on_cleanup(move || {
            if let Ok(tick) = tick {
                tick.clear();
            }
            self.client.try_with_value(Client::stop);
        });
    }
}

/// Opens the connection to `endpoint` and provides [`Live`] to every
/// component below; closes it on cleanup.
pub fn provide_live(endpoint: Endpoint) -> Live {
    let live = Live::new(endpoint);
    live.client.with_value(|client| Client::connect(client, live));
    live.start_clock();
    provide_context(live);
    live
}

#[derive(Default)]
struct Client {
    socket: Option<WebSocket>,
    next_id: u32,
    pending: HashMap<u32, oneshot::Sender<Outcome>>,
    /// The socket's handlers; dropping them with the socket frees them.
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    failures: u32,
    stopped: bool,
    /// No socket: requests go to `outbox` (component tests).
    detached: bool,
    /// The batch of changes the page has not been told of yet, if any,
    /// numbered from `batches`.
    unnotified: Option<u64>,
    batches: u64,
    /// A snapshot came that is not on screen yet.
    snapshot_unshown: bool,
    outbox: Vec<Request>,
}

impl Client {
    fn connect(this: &Rc<RefCell<Self>>, live: Live) {
        let Some(url) = socket_url(live.endpoint.get_value().path(), live.window) else { return };
        let socket = match WebSocket::new(&url) {
            Ok(socket) => socket,
            Err(_) => return Self::retry(this, live),
        };
        let on_open = {
            let this = Rc::clone(this);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                this.borrow_mut().failures = 0;
                live.status.set(Connection::Live);
                mark("earshot:live-open");
                // The reply only confirms; the state that follows is what matters.
                if let Some(first) = live.endpoint.get_value().first() {
                    let _ = Self::send(&this, first);
                }
            })
        };
        let on_message = {
            let this = Rc::clone(this);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(text) = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else { return };
                Self::receive(&this, live, &text);
            })
        };
        let on_close = {
            let this = Rc::clone(this);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let code = event.dyn_ref::<CloseEvent>().map_or(0, CloseEvent::code);
                leptos::logging::warn!("live connection closed ({code})");
                if code == CLOSE_ACCOUNT_CHANGED {
                    // A new role or access: a fresh page asks who this is now.
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                    return;
                }
                if code == CLOSE_SESSION_ENDED {
                    // Signed out (here or elsewhere), or expired: no retry
                    // can open it again, so the sign-in page asks who this is.
                    match live.session {
                        Some(session) => session.end(),
                        None => {
                            if let Some(window) = web_sys::window() {
                                let _ = window.location().reload();
                            }
                        }
                    }
                    return;
                }
                Self::retry(&this, live);
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut client = this.borrow_mut();
        client.socket = Some(socket);
        client.handlers = vec![on_open, on_message, on_close];
    }

    fn receive(this: &Rc<RefCell<Self>>, live: Live, text: &str) {
        if text.starts_with(r#"{"type":"snapshot""#) {
            mark("earshot:snapshot"); // as it came, before it is read
        }
        match serde_json::from_str(text) {
            Ok(message) => Self::handle(this, live, message),
            Err(e) => leptos::logging::warn!("unreadable server message: {e}"),
        }
    }

    fn handle(this: &Rc<RefCell<Self>>, live: Live, message: ServerMsg) {
        match message {
            ServerMsg::Reply { id, outcome } => {
                if let Some(reply) = this.borrow_mut().pending.remove(&id) {
                    let _ = reply.send(outcome); // the asker may have gone
                }
            }
            ServerMsg::Error { error } => leptos::logging::warn!("the server could not read a message: {}", error.message),
            state_message => {
                if matches!(state_message, ServerMsg::Snapshot(_)) {
                    this.borrow_mut().snapshot_unshown = true;
                }
                let mut applied = Applied::Unchanged;
                live.state.update_untracked(|state| applied = state.apply(state_message, local_now()));
                match applied {
                    Applied::Updated => Self::notify_soon(this, live),
                    Applied::Gap => {
                        let _ = Self::send(this, Request::Subscribe);
                    }
                    Applied::Unchanged => {}
                }
            }
        }
    }

    /// Tells the page the live state changed, once for every message that
    /// came before the next frame: a busy centre's hundreds of deltas a
    /// second re-render at most once a frame. A hidden page draws no
    /// frames; a timer stands in for them there.
    fn notify_soon(this: &Rc<RefCell<Self>>, live: Live) {
        let batch = {
            let mut client = this.borrow_mut();
            if client.unnotified.is_some() {
                return;
            }
            client.batches += 1;
            client.unnotified = Some(client.batches);
            client.batches
        };
        // Whichever comes first tells; the other finds its batch told (and
        // never tells a later batch early).
        let notify = {
            let this = Rc::clone(this);
            move || {
                let mine = this.borrow().unnotified == Some(batch);
                if mine {
                    this.borrow_mut().unnotified = None;
                    live.state.notify();
                    if std::mem::take(&mut this.borrow_mut().snapshot_unshown) {
                        // The frame after this one: the snapshot's rows are on screen.
                        request_animation_frame(|| mark("earshot:snapshot-shown"));
                    }
                }
            }
        };
        request_animation_frame(notify.clone());
        set_timeout(notify, HIDDEN_FRAME);
    }

    /// Sends a request; `None` when not connected.
    fn send(this: &Rc<RefCell<Self>>, request: Request) -> Option<oneshot::Receiver<Outcome>> {
        let mut client = this.borrow_mut();
        if client.detached {
            client.outbox.push(request);
            return None;
        }
        let socket = client.socket.as_ref().filter(|s| s.ready_state() == WebSocket::OPEN)?.clone();
        client.next_id = client.next_id.wrapping_add(1);
        let id = client.next_id;
        // Protocol types always serialise.
        let json = serde_json::to_string(&ClientMsg { id, request }).expect("protocol types serialise");
        socket.send_with_str(&json).ok()?;
        let (reply, answer) = oneshot::channel();
        client.pending.insert(id, reply);
        Some(answer)
    }

    /// Fails what was pending and reconnects after a growing pause.
    fn retry(this: &Rc<RefCell<Self>>, live: Live) {
        let delay = {
            let mut client = this.borrow_mut();
            client.pending.clear();
            client.socket = None;
            if client.stopped {
                return;
            }
            client.failures += 1;
            // 1, 2, then every 3 s: a network that comes back is used
            // within 3 s (a coach's audio converges within 5).
            Duration::from_millis((500u64 << client.failures.min(3)).min(3_000))
        };
        live.status.set(Connection::Reconnecting);
        let this = Rc::clone(this);
        set_timeout(move || Self::connect(&this, live), delay);
    }

    fn stop(this: &Rc<RefCell<Self>>) {
        let mut client = this.borrow_mut();
        client.stopped = true;
        if let Some(socket) = client.socket.take() {
            socket.set_onclose(None);
            let _ = socket.close(); // already closing is fine
        }
        client.handlers.clear();
        client.pending.clear();
    }
}

/// `ws://host{path}?window=N` on the page's own origin.
fn socket_url(path: &str, window: u64) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}{path}?window={window}", location.host().ok()?))
}
