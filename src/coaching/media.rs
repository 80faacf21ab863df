//! The coach's audio: listen on join, whisper with the microphone, leave.
//! The peer connection lives here, and is closed on leave, when the server
//! ends the session, and on cleanup.

use earshot_protocol::{CallId, Outcome, Request};
use leptos::prelude::*;

use crate::live::Live;
use crate::media::{media_server, sleep, Line, Peer};

/// How long audio may take to connect before the coach is told why not.
const CONNECT_WITHIN_MS: i32 = 8_000;
const CHECK_EVERY_MS: i32 = 250;

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
    live: Live,
    health: RwSignal<AudioHealth>,
}

impl CoachMedia {
    pub fn provide(live: Live) -> Self {
        let media = Self { peer: StoredValue::new_local(None), live, health: RwSignal::new(AudioHealth::Connecting) };
        provide_context(media);
        // The server ended the session (call over, left elsewhere): hang up.
        // Only on the change from coaching to not: a join in flight has a
        // peer before the live state shows the session.
        let me = crate::auth::me().id;
        let coaching = Memo::new(move |_| live.state().with(|s| s.coached_by(me).is_some()));
        Effect::new(move |was: Option<bool>| {
            let now = coaching.get();
            if was == Some(true) && !now {
                media.peer.update_value(|peer| drop(peer.take()));
            }
            now
        });
        on_cleanup(move || media.peer.try_update_value(|peer| drop(peer.take())).unwrap_or_default());
        media
    }

    pub fn expect() -> Self {
        expect_context::<CoachMedia>()
    }

    pub fn health(&self) -> ReadSignal<AudioHealth> {
        self.health.read_only()
    }

    /// Watches the new connection: connected, or — after a while — why not,
    /// so the coach never sits in silence wondering.
    async fn watch(self, server: String) {
        self.health.set(AudioHealth::Connecting);
        for _ in 0..CONNECT_WITHIN_MS / CHECK_EVERY_MS {
            sleep(CHECK_EVERY_MS).await;
            match self.peer.try_with_value(|p| p.as_ref().map(Peer::is_connected)).flatten() {
                Some(true) => return self.health.set(AudioHealth::Connected),
                Some(false) => {}
                // Left, or replaced by a rejoin that watches for itself.
                None => return,
            }
        }
        self.health.set(AudioHealth::Unreachable { server });
    }

    /// Joins `call` listening: the offer rides on the join, the answer on
    /// its reply. Returns the server's refusal, if any.
    pub async fn join(self, call: CallId, notify_agent: bool) -> Result<(), String> {
        let peer = Peer::open(&["customer", "agent"], Line::Reserved).await?;
        let offer = peer.offer().await?;
        match self.live.request(Request::StartCoaching { call, notify_agent, offer: Some(offer) }).await {
            Outcome::Answer { sdp, .. } => {
                peer.accept(&sdp).await?;
                self.peer.set_value(Some(peer));
                let server = media_server(&sdp).unwrap_or_else(|| "the Earshot media server".to_owned());
                leptos::task::spawn_local(self.watch(server));
                Ok(())
            }
            Outcome::Refused { error } => Err(error.message),
            Outcome::Ok => Err("the server sent no audio answer".into()),
        }
    }

    /// Whisper on: the microphone opens and reaches the agent (never the
    /// customer). Off: the server stops forwarding, then the device is released.
    pub async fn whisper(self, on: bool) -> Result<(), String> {
        let Some(mut peer) = self.peer.try_update_value(Option::take).flatten() else {
            return Err("the call's audio is not connected in this window: leave, then rejoin".into());
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

    pub async fn leave(self) -> Result<(), String> {
        self.peer.update_value(|peer| drop(peer.take()));
        match self.live.request(Request::LeaveCoaching).await {
            Outcome::Refused { error } => Err(error.message),
            _ => Ok(()),
        }
    }
}
