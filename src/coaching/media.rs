//! The coach's audio: listen on join, whisper with the microphone, leave.
//! The peer connection lives here, and is closed on leave, when the server
//! ends the session, and on cleanup. A window where its user coaches with
//! no connection (after a reload, or a second tab) connects again on request.

use earshot_protocol::{CallId, Outcome, Request};
use leptos::prelude::*;

use crate::live::Live;
use crate::media::{media_server, sleep, went_down, Line, Peer, CHECK_EVERY_MS};

/// How long audio may take to connect before the coach is told why not.
const CONNECT_WITHIN_MS: i32 = 8_000;

/// Whether the call's audio reached this browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioHealth {
    Connecting,
    Connected,
    /// No connection in time: the network blocks the media server.
    Unreachable { server: String },
}

/// The coach's one peer connection, shared by the dialog and the panel.
#[derive(Clone, Copy)]
pub struct CoachMedia {
    peer: StoredValue<Option<Peer>, LocalStorage>,
    /// Whether this window has the call's audio.
    here: RwSignal<bool>,
    /// Counts connections made and dropped, so a watcher knows when its
    /// connection is no longer the current one.
    generation: StoredValue<u32>,
    live: Live,
    health: RwSignal<AudioHealth>,
}

impl CoachMedia {
    pub fn provide(live: Live) -> Self {
        let media = Self {
            peer: StoredValue::new_local(None),
            here: RwSignal::new(false),
            generation: StoredValue::new(0),
            live,
            health: RwSignal::new(AudioHealth::Connecting),
        };
        provide_context(media);
        let me = crate::auth::me().id;
        let coaching = Memo::new(move |_| live.state().with(|s| s.coached_by(me).is_some()));
        // The server ended the session (call over, left elsewhere): hang up.
        // Only on the change from coaching to not: a join's answer and its
        // live delta may come in either order.
        Effect::new(move |was: Option<bool>| {
            let now = coaching.get();
            if was == Some(true) && !now {
                media.hang_up();
            }
            now
        });
        // The server turned the whisper off (this window's socket dropped,
        // another window took over): the microphone closes here too.
        let whispering = Memo::new(move |_| live.state().with(|s| s.coached_by(me).and_then(|c| c.coaching.as_ref()).is_some_and(|c| c.whisper)));
        Effect::new(move |was: Option<bool>| {
            let now = whispering.get();
            if was == Some(true) && !now {
                leptos::task::spawn_local(media.release_microphone());
            }
            now
        });
        on_cleanup(move || media.hang_up());
        media
    }

    pub fn expect() -> Self {
        expect_context::<CoachMedia>()
    }

    pub fn health(&self) -> ReadSignal<AudioHealth> {
        self.health.read_only()
    }

    /// Whether the call's audio plays in this window (not after a reload).
    pub fn here(&self) -> ReadSignal<bool> {
        self.here.read_only()
    }

    fn hang_up(self) {
        // Also runs on cleanup, when the app may already be gone.
        let _ = self.peer.try_update_value(|peer| drop(peer.take()));
        let _ = self.here.try_set(false);
        let _ = self.generation.try_update_value(|g| *g += 1);
    }

    /// Watches the new connection: connected, or — after a while — why not,
    /// so the coach never sits in silence wondering. Then, while it is the
    /// current one, whether it stays up: when lost (another window took the
    /// audio, a network change) this window lets it go and offers it back.
    async fn watch(self, server: String) {
        let current = self.generation.get_value();
        let still_current = move || self.generation.try_get_value() == Some(current);
        // `None` while a whisper toggle holds the peer: not a state change.
        let state = move || self.peer.try_with_value(|p| p.as_ref().map(|p| (p.is_connected(), p.is_down()))).flatten();
        self.health.set(AudioHealth::Connecting);
        let mut waited = 0;
        while state().is_none_or(|(connected, _)| !connected) {
            sleep(CHECK_EVERY_MS).await;
            waited += CHECK_EVERY_MS;
            if !still_current() {
                return;
            }
            if waited >= CONNECT_WITHIN_MS {
                return self.health.set(AudioHealth::Unreachable { server });
            }
        }
        self.health.set(AudioHealth::Connected);
        if went_down(move || state().map(|(_, down)| down), still_current).await {
            self.hang_up();
        }
    }

    /// Joins `call` listening: the offer rides on the join, the answer on
    /// its reply. Returns the server's refusal, if any.
    pub async fn join(self, call: CallId, notify_agent: bool) -> Result<(), String> {
        self.connect(|offer| Request::StartCoaching { call, notify_agent, offer: Some(offer) }).await
    }

    /// Brings the audio of the session its user already has to this
    /// window, listening; another window's connection is replaced.
    pub async fn reconnect(self, call: CallId) -> Result<(), String> {
        self.connect(|offer| Request::ReconnectCoaching { call, offer }).await
    }

    /// One round trip: the offer goes with `request`, the answer comes back.
    async fn connect(self, request: impl FnOnce(String) -> Request) -> Result<(), String> {
        // Counted as here from the start, so the panel offers no "Listen
        // here" while the answer is on its way.
        self.here.set(true);
        let live = self.live;
        match Peer::connect(&["customer", "agent"], Line::Reserved, |offer| live.request(request(offer))).await {
            Ok((peer, sdp)) => {
                self.peer.set_value(Some(peer));
                self.generation.update_value(|g| *g += 1);
                let server = media_server(&sdp).unwrap_or_else(|| "the Earshot media server".to_owned());
                leptos::task::spawn_local(self.watch(server));
                Ok(())
            }
            Err(why) => {
                self.hang_up();
                Err(why)
            }
        }
    }

    /// Whisper on: the microphone opens and reaches the agent (never the
    /// customer). Off: the server stops forwarding, then the device is released.
    pub async fn whisper(self, on: bool) -> Result<(), String> {
        let Some(mut peer) = self.peer.try_update_value(Option::take).flatten() else {
            return Err("the call's audio is not playing in this window: listen here first".into());
        };
        let result = if on {
            match peer.microphone_on().await {
                Ok(()) => self.set_whisper(true).await,
                Err(e) => Err(e),
            }
        } else {
            self.set_whisper(false).await
        };
        if !on || result.is_err() {
            peer.microphone_off().await;
        }
        self.peer.set_value(Some(peer));
        result
    }

    async fn set_whisper(self, on: bool) -> Result<(), String> {
        match self.live.request(Request::SetWhisper { on }).await {
            Outcome::Refused { error } => Err(error.message),
            _ => Ok(()),
        }
    }

    async fn release_microphone(self) {
        // A whisper toggle holding the peer closes the microphone itself.
        if let Some(mut peer) = self.peer.try_update_value(Option::take).flatten() {
            peer.microphone_off().await;
            let _ = self.peer.try_set_value(Some(peer));
        }
    }

    pub async fn leave(self) -> Result<(), String> {
        self.hang_up();
        match self.live.request(Request::LeaveCoaching).await {
            Outcome::Refused { error } => Err(error.message),
            _ => Ok(()),
        }
    }
}
