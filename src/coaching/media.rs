//! The coach's audio: listen on join, whisper with the microphone, leave.
//! The peer connection and the audio graph live here, and are closed on
//! leave, when the server ends the session, when another window takes the
//! audio, and on cleanup. A window where its user coaches with no
//! connection (after a reload, or a second tab) connects again on request;
//! a window whose connection a dropped network took connects again by
//! itself, and carries on as the coach left it.
//!
//! Every connection first checks that the audio processing is installed
//! (`crate::audio::readiness`); when it is not, the caller runs the setup.
//! The microphone reaches the send line only through the worklet's gate.

use earshot_protocol::{CallId, Request, UserId};
use leptos::prelude::*;

use crate::audio::{CoachAudio, Control, Input, Installation, Levels, Readiness, Source};
use crate::live::{Connection, Live};
use crate::media::{media_server, sleep, went_down, Line, Peer, CHECK_EVERY_MS};

/// How long audio may take to connect before the coach is told why not.
pub const CONNECT_WITHIN_MS: i32 = 8_000;
/// After a dropped network, the pause between attempts to connect again.
const RECONNECT_EVERY_MS: i32 = 1_000;
/// How long a connection waits for the live state to show its session (a
/// join's answer may come before the session's delta): past this, the
/// session ended while the answer was on its way, and the peer hangs up.
const SESSION_SHOWS_WITHIN_MS: i32 = 2_000;

/// Whether the call's audio reached this browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioHealth {
    Connecting,
    Connected,
    /// No connection in time: the network blocks the media server.
    Unreachable { server: String },
    /// The network dropped under the audio: connecting again by itself.
    Reconnecting,
}

/// Why the coach's audio did not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The audio processing is not installed (first use, cleared cache,
    /// a new server version, a damaged entry): run the setup first.
    NeedsSetup,
    /// Refused or failed, with the reason to show.
    Failed(String),
}

impl From<String> for ConnectError {
    fn from(why: String) -> Self {
        ConnectError::Failed(why)
    }
}

/// How the coach's microphone reaches the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Talk {
    /// Closed: listening only.
    Off,
    /// Open while whispering.
    Latched,
    /// Open only while the push-to-talk key or button is held.
    PushToTalk,
}

/// The devices the coach picked in the setup ("" is the default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Devices {
    pub input: String,
    pub output: String,
}

/// The call's audio in this window: the connection, and the graph that
/// plays it and carries the microphone.
struct CallLine {
    peer: Peer,
    audio: CoachAudio,
}

/// The coach's one connection, shared by the dialog, the setup and the panel.
#[derive(Clone, Copy)]
pub struct CoachMedia {
    /// The coach: the signed-in user.
    me: UserId,
    line: StoredValue<Option<CallLine>, LocalStorage>,
    /// Whether this window has the call's audio.
    here: RwSignal<bool>,
    /// Counts connections made and dropped, so a watcher knows when its
    /// connection is no longer the current one.
    generation: StoredValue<u32>,
    /// Connecting again after a dropped network (one attempt loop at a time).
    recovering: StoredValue<bool>,
    live: Live,
    health: RwSignal<AudioHealth>,
    levels: RwSignal<Levels>,
    /// Where the audio processing comes from.
    source: StoredValue<Source, LocalStorage>,
    talk: RwSignal<Talk>,
    held: RwSignal<bool>,
    devices: RwSignal<Devices>,
}

impl CoachMedia {
    pub fn provide(live: Live) -> Self {
        Self::provide_with(live, Source::Server)
    }

    /// With the audio processing from `source` (tests: files in hand).
    pub fn provide_with(live: Live, source: Source) -> Self {
        let me = crate::auth::me().id;
        let media = Self {
            me,
            line: StoredValue::new_local(None),
            here: RwSignal::new(false),
            generation: StoredValue::new(0),
            recovering: StoredValue::new(false),
            live,
            health: RwSignal::new(AudioHealth::Connecting),
            levels: RwSignal::new(Levels::default()),
            source: StoredValue::new_local(source),
            talk: RwSignal::new(Talk::Off),
            held: RwSignal::new(false),
            devices: RwSignal::new(Devices::default()),
        };
        provide_context(media);
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
        // The server turned the whisper off. Because this window's socket
        // dropped for a moment (the audio is still its own): the coach left
        // it on, so on again. Otherwise the microphone closes here too.
        let whispering = Memo::new(move |_| live.state().with(|s| s.coached_by(me).and_then(|c| c.coaching.as_ref()).is_some_and(|c| c.whisper)));
        Effect::new(move |was: Option<bool>| {
            let now = whispering.get();
            let talk = media.talk.get_untracked();
            if was == Some(true) && !now {
                if talk != Talk::Off && media.owns_audio() {
                    leptos::task::spawn_local(async move {
                        let _ = media.set_talk(talk).await; // a failure closes the microphone
                    });
                } else {
                    media.close_microphone();
                }
            }
            now
        });
        // The live socket dropped: the network went, and the call's audio
        // with it (or soon will). Connect again as soon as it is back.
        Effect::new(move |was: Option<Connection>| {
            let now = live.status().get();
            if was == Some(Connection::Live) && now == Connection::Reconnecting {
                media.recover();
            }
            now
        });
        // Another window took the audio: this one lets it go at once.
        let audio_window = Memo::new(move |_| live.state().with(|s| s.coached_by(me).and_then(|c| c.coaching.as_ref()).map(|c| c.audio_window)));
        Effect::new(move |was: Option<Option<u64>>| {
            let now = audio_window.get();
            let mine = Some(live.window());
            if was == Some(mine) && now.is_some() && now != mine {
                media.hang_up();
            }
            now
        });
        on_cleanup(move || media.hang_up());
        media
    }

    pub fn expect() -> Self {
        expect_context::<CoachMedia>()
    }

    pub fn live(&self) -> Live {
        self.live
    }

    pub fn source(&self) -> Source {
        self.source.get_value()
    }

    pub fn health(&self) -> ReadSignal<AudioHealth> {
        self.health.read_only()
    }

    /// Whether the call's audio plays in this window (not after a reload).
    pub fn here(&self) -> ReadSignal<bool> {
        self.here.read_only()
    }

    /// The meters of customer, agent and the coach's own voice (~30 Hz).
    pub fn levels(&self) -> ReadSignal<Levels> {
        self.levels.read_only()
    }

    /// How the microphone reaches the agent now.
    pub fn talk(&self) -> ReadSignal<Talk> {
        self.talk.read_only()
    }

    /// Whether push-to-talk is held.
    pub fn held(&self) -> ReadSignal<bool> {
        self.held.read_only()
    }

    pub fn devices(&self) -> RwSignal<Devices> {
        self.devices
    }

    fn hang_up(self) {
        self.drop_line();
        // Also runs on cleanup, when the app may already be gone.
        let _ = self.here.try_set(false);
        let _ = self.talk.try_set(Talk::Off);
        let _ = self.held.try_set(false);
    }

    /// Closes the connection and the audio graph; its watcher stops.
    fn drop_line(self) {
        let _ = self.line.try_update_value(|line| drop(line.take()));
        let _ = self.levels.try_set(Levels::default());
        let _ = self.generation.try_update_value(|g| *g += 1);
    }

    /// The call this window's user coaches, and whether its audio is this
    /// window's, as the server last said.
    fn session(self) -> Option<(CallId, bool)> {
        let window = self.live.window();
        self.live.state().try_with_untracked(|s| {
            let call = s.coached_by(self.me)?;
            Some((call.id, call.coaching.as_ref().is_some_and(|c| c.audio_window == window)))
        })?
    }

    fn owns_audio(self) -> bool {
        self.session().is_some_and(|(_, mine)| mine)
    }

    /// Watches the new connection: connected, or — after a while — why not,
    /// so the coach never sits in silence wondering. Then, while it is the
    /// current one, whether it stays up: when lost (another window took the
    /// audio, a network change) this window lets it go and offers it back.
    async fn watch(self, call: CallId, server: String) {
        let current = self.generation.get_value();
        let still_current = move || self.generation.try_get_value() == Some(current);
        let state = move || self.line.try_with_value(|l| l.as_ref().map(|l| (l.peer.is_connected(), l.peer.is_down()))).flatten();
        self.health.set(AudioHealth::Connecting);
        let (mut waited, mut unseen) = (0, 0);
        while state().is_none_or(|(connected, _)| !connected) {
            sleep(CHECK_EVERY_MS).await;
            waited += CHECK_EVERY_MS;
            if !still_current() {
                return;
            }
            unseen = if self.session().is_some_and(|(coached, _)| coached == call) { 0 } else { unseen + CHECK_EVERY_MS };
            if unseen >= SESSION_SHOWS_WITHIN_MS {
                // The server already took its seat away: nothing will connect.
                return self.hang_up();
            }
            if waited >= CONNECT_WITHIN_MS {
                return self.health.set(AudioHealth::Unreachable { server });
            }
        }
        self.health.set(AudioHealth::Connected);
        if went_down(move || state().map(|(_, down)| down), still_current).await {
            match self.session() {
                Some((_, true)) => self.recover(),
                _ => self.hang_up(),
            }
        }
    }

    /// After a dropped network, when this window plays the audio and nobody
    /// else took it: connect again (once at a time).
    fn recover(self) {
        let Some((call, true)) = self.session() else { return };
        let playing = self.line.try_with_value(Option::is_some).unwrap_or(false);
        if !playing || self.recovering.get_value() {
            return;
        }
        self.recovering.set_value(true);
        leptos::task::spawn_local(async move {
            self.reconnect_after_drop(call).await;
            let _ = self.recovering.try_set_value(false);
        });
    }

    /// Connects again as soon as the server answers, then carries on as
    /// the coach left it (listening, whispering, push-to-talk).
    async fn reconnect_after_drop(self, call: CallId) {
        let talk = self.talk.get_untracked();
        self.drop_line();
        self.health.set(AudioHealth::Reconnecting);
        loop {
            sleep(CHECK_EVERY_MS).await;
            if self.session() != Some((call, true)) {
                // The session ended, or another window has the audio now.
                return self.hang_up();
            }
            if self.live.status().try_get_untracked() != Some(Connection::Live) {
                continue; // no server to ask yet
            }
            match self.reconnect(call).await {
                Ok(()) => break,
                Err(ConnectError::NeedsSetup) => return self.hang_up(),
                Err(ConnectError::Failed(_)) => {
                    // The failed attempt hung up; the audio is still this window's.
                    self.here.set(true);
                    self.health.set(AudioHealth::Reconnecting);
                    sleep(RECONNECT_EVERY_MS).await;
                }
            }
        }
        if talk != Talk::Off {
            let _ = self.set_talk(talk).await; // a failure closes the microphone
        }
    }

    /// Joins `call` listening: the offer rides on the join, the answer on
    /// its reply.
    pub async fn join(self, call: CallId, notify_agent: bool) -> Result<(), ConnectError> {
        self.connect(call, |offer| Request::StartCoaching { call, notify_agent, offer: Some(offer) }).await
    }

    /// Brings the audio of the session its user already has to this
    /// window, listening; another window's connection is replaced.
    pub async fn reconnect(self, call: CallId) -> Result<(), ConnectError> {
        self.connect(call, |offer| Request::ReconnectCoaching { call, offer }).await
    }

    /// Checks the installation, then one round trip: the offer goes with
    /// `request`, the answer comes back; the call plays through the worklet.
    /// A session that ended while the answer was on its way (this window
    /// hung up meanwhile) gets no connection.
    async fn connect(self, call: CallId, request: impl FnOnce(String) -> Request) -> Result<(), ConnectError> {
        let installation = match crate::audio::readiness(&self.source()).await? {
            Readiness::Ready(installation) => installation,
            Readiness::Setup { .. } => return Err(ConnectError::NeedsSetup),
        };
        // Counted as here from the start, so the panel offers no "Listen
        // here" while the answer is on its way.
        self.here.set(true);
        let asked = self.generation.get_value();
        match self.open_line(&installation, request).await {
            Ok(_) if self.generation.try_get_value() != Some(asked) => {
                Err(ConnectError::Failed("the coaching session ended before its audio connected".into())) // the line drops here
            }
            Ok((line, sdp)) => {
                self.line.set_value(Some(line));
                self.generation.update_value(|g| *g += 1);
                let server = media_server(&sdp).unwrap_or_else(|| "the Earshot media server".to_owned());
                leptos::task::spawn_local(self.watch(call, server));
                Ok(())
            }
            Err(why) => {
                self.hang_up();
                Err(ConnectError::Failed(why))
            }
        }
    }

    async fn open_line(self, installation: &Installation, request: impl FnOnce(String) -> Request) -> Result<(CallLine, String), String> {
        let levels = self.levels;
        let audio = installation.start(move |l| levels.set(l)).await?;
        let output = self.devices.get_untracked().output;
        if !output.is_empty() {
            // The default output plays on when the chosen one is gone.
            let _ = audio.set_output(&output).await;
        }
        let live = self.live;
        let (peer, sdp) = Peer::connect(&["customer", "agent"], Line::Reserved, |offer| live.request(request(offer))).await?;
        let mut line = CallLine { peer, audio };
        line.peer.mute_players();
        for (input, track) in [Input::Customer, Input::Agent].into_iter().zip(line.peer.received()) {
            line.audio.hear(input, &track)?;
        }
        Ok((line, sdp))
    }

    /// Takes the line out for an `await` and puts it back after (the
    /// session may have ended meanwhile: then it is dropped, closing all).
    async fn with_line<T>(self, f: impl AsyncFnOnce(&mut CallLine) -> Result<T, String>) -> Result<T, String> {
        let generation = self.generation.get_value();
        let Some(mut line) = self.line.try_update_value(Option::take).flatten() else {
            return Err("the call's audio is not playing in this window: listen here first".into());
        };
        let result = f(&mut line).await;
        if self.generation.try_get_value() == Some(generation) {
            // The push-to-talk key may have moved while the line was out.
            let held = self.held.try_get_untracked().unwrap_or(false);
            line.audio.set(Control::Held, if held { 1.0 } else { 0.0 });
            let _ = self.line.try_set_value(Some(line));
        }
        result
    }

    /// Starts talking to the agent (latched or push-to-talk) or stops.
    /// On: the microphone opens into the worklet, the gate opens (in
    /// push-to-talk only while held), the send line carries the worklet's
    /// capture, and the server forwards it to the agent (never the
    /// customer). Off: the gate shuts and the device is released at once,
    /// then the server stops forwarding.
    pub async fn set_talk(self, talk: Talk) -> Result<(), String> {
        if talk == Talk::Off {
            self.close_microphone();
            return self.set_whisper(false).await;
        }
        let device = self.devices.get_untracked().input;
        let opened = self
            .with_line(async move |line: &mut CallLine| {
                if !line.audio.has_microphone() {
                    line.audio.open_microphone(Some(&device)).await?;
                }
                line.audio.set(Control::PushToTalk, if talk == Talk::PushToTalk { 1.0 } else { 0.0 });
                line.audio.set(Control::Whisper, 1.0);
                line.peer.send(line.audio.send_track().as_ref()).await
            })
            .await;
        match opened {
            Ok(()) => self.set_whisper(true).await,
            Err(e) => Err(e),
        }
        .inspect(|()| self.talk.set(talk))
        .inspect_err(|_| self.close_microphone())
    }

    /// Push-to-talk held or released.
    pub fn hold_to_talk(self, held: bool) {
        self.held.set(held);
        self.line.with_value(|line| {
            if let Some(line) = line {
                line.audio.set(Control::Held, if held { 1.0 } else { 0.0 });
            }
        });
    }

    /// A party's volume (0..=2) in what the coach hears, or the coach's own
    /// toward the agent.
    pub fn set_volume(self, control: Control, volume: f32) {
        self.line.with_value(|line| {
            if let Some(line) = line {
                line.audio.set(control, volume);
            }
        });
    }

    /// Applies the devices the coach picked (the picker records the choice)
    /// mid-call: the call and the whisper state go on.
    pub async fn switch_devices(self, devices: Devices) -> Result<(), String> {
        self.with_line(async move |line: &mut CallLine| line.audio.switch_devices(&devices.input, &devices.output).await).await
    }

    async fn set_whisper(self, on: bool) -> Result<(), String> {
        self.live.act(Request::SetWhisper { on }).await
    }

    /// The gate shuts, nothing goes on the send line, the device is released.
    fn close_microphone(self) {
        let _ = self.talk.try_set(Talk::Off);
        let _ = self.held.try_set(false);
        let _ = self.line.try_update_value(|line| {
            if let Some(line) = line {
                line.audio.set(Control::Whisper, 0.0);
                line.audio.set(Control::Held, 0.0);
                line.audio.close_microphone();
                leptos::task::spawn_local(line.peer.detach_send());
            }
        });
    }

    pub async fn leave(self) -> Result<(), String> {
        self.hang_up();
        self.live.act(Request::LeaveCoaching).await
    }
}
