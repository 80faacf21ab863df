//! The calls' listener: what customers and agents say (Opus frames copied
//! off the SFU's shards) decoded with libopus on a thread of its own, off
//! the packet path, into each call's [`CallAudio`]; each signal's start and
//! end goes to the live core. What customers say goes on to the phrase
//! spotter ([`spotting`]), on a thread of its own again. A call is listened
//! to once its audio flows.

mod spotting;

use std::collections::HashMap;
use std::sync::mpsc::{channel as unbounded, sync_channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use earshot_domain::CallEvent;
use earshot_phrases::{Listening, Model};
use earshot_protocol::{AttentionSettings, CallId, Millis, SignalKind};
use earshot_sfu::{Heard, LegRole, RoomId};
use earshot_signals::{CallAudio, Change, Party, Signal, Thresholds, FRAME_MS};

use crate::live::LiveHandle;
use crate::now;
use crate::supervise;

/// Frames waiting for the listener at most. A full queue drops the frame:
/// the shards never wait for the listener. (Holds and ends are never
/// dropped: they come by a queue of their own.)
const QUEUE: usize = 8192;
/// A call not heard from for this long is forgotten (its end was missed).
const FORGET_AFTER_MS: u64 = 60_000;
/// Calls are decoded at the rate the speech model hears (signals need no more).
const SAMPLE_RATE: u32 = earshot_phrases::SAMPLE_RATE;
/// The most samples one Opus packet decodes to (120 ms).
const MAX_SAMPLES: usize = SAMPLE_RATE as usize * 120 / 1000;

pub enum Input {
    Heard(Heard),
    Held { room: RoomId, on: bool },
    Ended(RoomId),
    /// The company's settings changed: thresholds now, and the phrases to
    /// spot (`None`: none).
    Settings { thresholds: Thresholds, phrases: Option<Arc<Listening>> },
}

/// The signals' thresholds a company's settings give.
pub fn thresholds(settings: &AttentionSettings) -> Thresholds {
    Thresholds {
        dead_air_ms: settings.dead_air_ms,
        overtalk_ms: settings.overtalk_ms,
        raised_voice_db: settings.raised_voice_db as f32,
        agent_talk_share: settings.agent_talk_percent as f32 / 100.0,
    }
}

/// The spotters' files for `phrases` (`None`: nothing to spot), or why
/// they cannot be spotted.
pub fn listen_for(model: Option<&Model>, phrases: &[String]) -> Result<Option<Arc<Listening>>, String> {
    if phrases.is_empty() {
        return Ok(None);
    }
    let model = model.ok_or("This server has no speech model (Debian's pocketsphinx-en-us), so it cannot listen for phrases")?;
    match model.listen_for(phrases) {
        Ok(listening) => Ok(Some(Arc::new(listening))),
        Err(earshot_phrases::Error::UnknownWord { phrase, word }) => Err(format!("“{phrase}”: “{word}” is not a word the speech model knows")),
        Err(e) => {
            tracing::error!("phrase spotting files: {e}");
            Err("The phrases could not be prepared on the server: try again".to_owned())
        }
    }
}

/// Hands the listener what it needs; cheap to clone, never blocks.
#[derive(Clone)]
pub struct Ears {
    frames: SyncSender<Heard>,
    calls: Sender<Input>,
}

impl Ears {
    pub fn heard(&self, heard: Heard) {
        // Full: dropped; a listener gone (the server stopping) hears nothing more.
        let _ = self.frames.try_send(heard);
    }

    pub fn held(&self, room: RoomId, on: bool) {
        let _ = self.calls.send(Input::Held { room, on });
    }

    pub fn ended(&self, room: RoomId) {
        let _ = self.calls.send(Input::Ended(room));
    }

    pub fn settings(&self, thresholds: Thresholds, phrases: Option<Arc<Listening>>) {
        let _ = self.calls.send(Input::Settings { thresholds, phrases });
    }
}

/// What the listener reads: frames, and the calls' holds and ends and the
/// company's settings.
pub struct Inputs {
    frames: Receiver<Heard>,
    calls: Receiver<Input>,
}

/// The listener's two ends: the shards and the core get [`Ears`]; [`spawn`]
/// takes the other.
pub fn channel() -> (Ears, Inputs) {
    let (frames, heard) = sync_channel(QUEUE);
    let (calls, told) = unbounded();
    (Ears { frames, calls }, Inputs { frames: heard, calls: told })
}

/// Starts the listener's and the spotter's threads, hearing with `thresholds`
/// and spotting `phrases`; they end when every [`Ears`] is dropped.
pub fn spawn(inputs: Inputs, live: LiveHandle, thresholds: Thresholds, phrases: Option<Arc<Listening>>) -> std::io::Result<()> {
    let spotters = spotting::spawn(&live, &phrases)?;
    supervise::thread("listener", move || {
        let mut calls = Calls::new(thresholds, phrases.is_some());
        let tick = Duration::from_millis(FRAME_MS);
        let mut next_tick = now().0 + FRAME_MS;
        loop {
            let wait = Duration::from_millis(next_tick.saturating_sub(now().0)).min(tick);
            let heard = match inputs.frames.recv_timeout(wait) {
                Ok(heard) => Some(heard),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            if let Some(heard) = heard {
                let (room, at) = (heard.room, now().0);
                if let Some(samples) = calls.heard(heard, at) {
                    spotters.audio(room, at, samples);
                }
            }
            for input in inputs.calls.try_iter() {
                match &input {
                    Input::Ended(room) => spotters.ended(*room),
                    Input::Settings { phrases, .. } => spotters.listen(phrases),
                    Input::Heard(_) | Input::Held { .. } => {}
                }
                calls.input(input, now().0);
            }
            let at = now().0;
            if at >= next_tick {
                for (call, change) in calls.tick(at) {
                    live.tell(signal_event(call, change));
                }
                next_tick = at + FRAME_MS;
            }
        }
    })?;
    Ok(())
}

fn signal_event(call: CallId, change: Change) -> CallEvent {
    let (signal, since) = match change {
        Change::Started { signal, at } => (signal, Some(Millis(at))),
        Change::Ended { signal, .. } => (signal, None),
    };
    let kind = match signal {
        Signal::DeadAir => SignalKind::DeadAir,
        Signal::Overtalk => SignalKind::Overtalk,
        Signal::RaisedVoice => SignalKind::RaisedVoice,
        Signal::AgentTalksMost => SignalKind::AgentTalksMost,
    };
    CallEvent::Signal { call, kind, since }
}

/// Every call being listened to. Plain: tested without threads.
pub struct Calls {
    thresholds: Thresholds,
    /// Whether phrases are spotted: customers' audio goes on to the spotters.
    spotting: bool,
    calls: HashMap<RoomId, Call>,
    pcm: Vec<f32>,
}

struct Call {
    audio: CallAudio,
    /// Customer's, agent's.
    decoders: [opus::Decoder; 2],
    heard_at: u64,
}

impl Calls {
    pub fn new(thresholds: Thresholds, spotting: bool) -> Self {
        Self { thresholds, spotting, calls: HashMap::new(), pcm: vec![0.0; MAX_SAMPLES] }
    }

    pub fn input(&mut self, input: Input, now: u64) {
        match input {
            Input::Heard(heard) => {
                self.heard(heard, now);
            }
            Input::Settings { thresholds, phrases } => {
                self.thresholds = thresholds;
                self.spotting = phrases.is_some();
                for call in self.calls.values_mut() {
                    call.audio.set_thresholds(thresholds);
                }
            }
            Input::Held { room, on } => {
                if let Some(call) = self.calls.get_mut(&room) {
                    call.audio.set_held(on, now);
                }
            }
            Input::Ended(room) => {
                self.calls.remove(&room);
            }
        }
    }

    /// A frame heard: a customer's comes back as 16-bit samples while
    /// phrases are spotted, for the spotters.
    pub fn heard(&mut self, heard: Heard, now: u64) -> Option<Vec<i16>> {
        let party = match heard.from {
            LegRole::Customer => Party::Customer,
            LegRole::Agent => Party::Agent,
            LegRole::Coach => return None, // never listened to
        };
        let call = match self.calls.entry(heard.room) {
            std::collections::hash_map::Entry::Occupied(call) => call.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let decoder = || opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono);
                let (Ok(customer), Ok(agent)) = (decoder(), decoder()) else { return None };
                slot.insert(Call { audio: CallAudio::new(self.thresholds, now), decoders: [customer, agent], heard_at: now })
            }
        };
        call.heard_at = now;
        // A frame that does not decode (a hostile peer's) is not heard.
        let samples = call.decoders[party as usize].decode_float(&heard.opus, &mut self.pcm, false).ok()?;
        let pcm = &self.pcm[..samples];
        call.audio.frame(party, now, pcm);
        (self.spotting && party == Party::Customer).then(|| pcm.iter().map(|&s| (s * f32::from(i16::MAX)) as i16).collect())
    }

    /// Every call's time moves on; the signals that started or ended.
    pub fn tick(&mut self, now: u64) -> Vec<(CallId, Change)> {
        self.calls.retain(|_, call| now.saturating_sub(call.heard_at) < FORGET_AFTER_MS);
        let mut changes = Vec::new();
        for (room, call) in &mut self.calls {
            call.audio.tick(now);
            changes.extend(std::iter::from_fn(|| call.audio.poll_change()).map(|change| (CallId(room.0), change)));
        }
        changes
    }

    pub fn listening(&self) -> usize {
        self.calls.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: RoomId = RoomId(7);

    /// 20 ms of speech-like noise at `level_db` (or a pause), Opus-encoded
    /// as a browser would send it.
    struct Voice {
        encoder: opus::Encoder,
        noise: earshot_signals::synthetic::Noise,
    }

    impl Voice {
        fn new() -> Self {
            let encoder = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
            Self { encoder, noise: Default::default() }
        }

        fn frame(&mut self, level_db: f32) -> Vec<u8> {
            self.encoder.encode_vec_float(&self.noise.frame(level_db), 4000).unwrap()
        }
    }

    fn heard(from: LegRole, opus: Vec<u8>) -> Input {
        Input::Heard(Heard { room: ROOM, from, opus })
    }

    /// Both parties for `ms`: the customer talking (syllables and pauses)
    /// or not, the agent quiet; the listener ticked every frame.
    fn run(calls: &mut Calls, voices: &mut [Voice; 2], now: &mut u64, ms: u64, customer_talks: bool, agent_talks: bool) -> Vec<Change> {
        let mut changes = Vec::new();
        for _ in 0..ms / FRAME_MS {
            for (i, (role, talks)) in [(LegRole::Customer, customer_talks), (LegRole::Agent, agent_talks)].into_iter().enumerate() {
                let level = if talks { earshot_signals::synthetic::talking(-24.0, *now, -70.0) } else { -70.0 };
                calls.input(heard(role, voices[i].frame(level)), *now);
            }
            *now += FRAME_MS;
            changes.extend(calls.tick(*now).into_iter().map(|(call, change)| {
                assert_eq!(call, CallId(ROOM.0));
                change
            }));
        }
        changes
    }

    #[test]
    fn decoded_opus_gives_the_calls_signals_and_the_coach_is_never_listened_to() {
        let thresholds = Thresholds { dead_air_ms: 1_000, overtalk_ms: 1_000, ..Thresholds::default() };
        let mut calls = Calls::new(thresholds, false);
        let mut voices = [Voice::new(), Voice::new()];
        calls.input(heard(LegRole::Coach, Voice::new().frame(-20.0)), 0);
        assert_eq!(calls.listening(), 0, "a coach's audio starts nothing");

        let mut now = 0;
        let talking = run(&mut calls, &mut voices, &mut now, 2_000, true, false);
        assert!(talking.is_empty(), "{talking:?}");
        let quiet = run(&mut calls, &mut voices, &mut now, 2_000, false, false);
        assert!(matches!(quiet[..], [Change::Started { signal: Signal::DeadAir, at }] if (2_000..2_500).contains(&at)), "{quiet:?}");
        let both = run(&mut calls, &mut voices, &mut now, 2_000, true, true);
        assert!(both.iter().any(|c| matches!(c, Change::Ended { signal: Signal::DeadAir, .. })), "{both:?}");
        assert!(both.iter().any(|c| matches!(c, Change::Started { signal: Signal::Overtalk, .. })), "{both:?}");

        calls.input(Input::Ended(ROOM), now);
        assert_eq!(calls.listening(), 0);
    }

    #[test]
    fn a_frame_that_does_not_decode_is_not_heard_and_harms_nothing() {
        let mut calls = Calls::new(Thresholds::default(), false);
        calls.input(heard(LegRole::Customer, vec![0xff; 3]), 0);
        calls.input(heard(LegRole::Customer, Vec::new()), 20);
        assert!(calls.tick(40).is_empty());
    }
}
