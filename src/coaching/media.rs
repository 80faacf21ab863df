//! The coach's audio: listen on join, whisper with the microphone, leave.
//! The peer connection lives here, and is closed on leave, when the server
//! ends the session, and on cleanup.

use earshot_protocol::{CallId, Outcome, Request};
use leptos::prelude::*;

use crate::live::Live;
use crate::media::{Line, Peer};

/// The coach's one peer connection, shared by the dialog and the panel.
#[derive(Clone, Copy)]
pub struct CoachMedia {
    peer: StoredValue<Option<Peer>, LocalStorage>,
    live: Live,
}

impl CoachMedia {
    pub fn provide(live: Live) -> Self {
        let media = Self { peer: StoredValue::new_local(None), live };
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

    /// Joins `call` listening: the offer rides on the join, the answer on
    /// its reply. Returns the server's refusal, if any.
    pub async fn join(self, call: CallId, notify_agent: bool) -> Result<(), String> {
        let peer = Peer::open(&["customer", "agent"], Line::Reserved).await?;
        let offer = peer.offer().await?;
        match self.live.request(Request::StartCoaching { call, notify_agent, offer: Some(offer) }).await {
            Outcome::Answer { sdp, .. } => {
                peer.accept(&sdp).await?;
                self.peer.set_value(Some(peer));
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
