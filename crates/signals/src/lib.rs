//! The signals of a live call, from its audio: who is talking, dead air,
//! talking over each other, a raised voice, and the talk ratio.
//!
//! Sans-IO: the shell hands in each party's 20 ms frames of decoded audio
//! with their time, and ticks the call; [`CallAudio::poll_change`] gives
//! each signal's start and end. Nothing here knows about Opus, sockets or
//! threads. A call's work per frame is bounded: one pass over its samples.

mod loudness;
pub mod synthetic;
mod vad;

use std::collections::VecDeque;

pub use loudness::Loudness;
pub use vad::{level_db, Vad, SILENCE_DB};

/// Milliseconds of audio in a frame.
pub const FRAME_MS: u64 = 20;

/// The two sides of a call the analysis listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    Customer,
    Agent,
}

/// What a supervisor may want to know of a call, now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// Nobody has spoken for a while (the call is not on hold).
    DeadAir,
    /// Customer and agent talk at once, and go on doing so.
    Overtalk,
    /// The customer is much louder than they were earlier in the call.
    RaisedVoice,
    /// The agent does most of the talking (the talk ratio), once the call
    /// has had enough talking to tell.
    AgentTalksMost,
}

/// When each signal counts. A company sets its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Silence on both sides this long is dead air.
    pub dead_air_ms: u64,
    /// Both talking this long without a break is overtalk.
    pub overtalk_ms: u64,
    /// The customer this many dB above their own earlier speech is a raised voice.
    pub raised_voice_db: f32,
    /// The agent's share of the talking (0.0 ..= 1.0) at or above which
    /// they talk most.
    pub agent_talk_share: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { dead_air_ms: 10_000, overtalk_ms: 2_000, raised_voice_db: 8.0, agent_talk_share: 0.75 }
    }
}

/// A signal started (at when its condition began: the first second of
/// silence, not the tenth) or ended, on the shell's clock (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    Started { signal: Signal, at: u64 },
    Ended { signal: Signal, at: u64 },
}

/// A party whose last frame is older than this has gone quiet (a sender
/// with nothing to say may send nothing: Opus DTX).
const QUIET_AFTER_MS: u64 = 3 * FRAME_MS;
/// Overtalk ends once the two have not talked at once for this long.
const OVERTALK_BREAK_MS: u64 = 600;
/// A raised voice must last this long, and ends 3 dB below its threshold.
const RAISED_FOR_MS: u64 = 1_000;
const RAISED_HYSTERESIS_DB: f32 = 3.0;
/// The talk ratio counts once both together have talked this long; it
/// ends 5 points below its threshold.
const TALK_RATIO_AFTER_MS: u64 = 30_000;
const TALK_RATIO_HYSTERESIS: f32 = 0.05;

#[derive(Clone, Debug, Default)]
struct Side {
    vad: Vad,
    /// Time of the last frame heard.
    heard_at: Option<u64>,
    /// Talking time so far.
    talked_ms: u64,
}

/// One live call's audio analysis.
#[derive(Clone, Debug)]
pub struct CallAudio {
    thresholds: Thresholds,
    sides: [Side; 2],
    customer_loudness: Loudness,
    held: bool,
    /// When the current stretch of each condition began.
    quiet_since: Option<u64>,
    both_since: Option<u64>,
    /// When the two last talked at once (an overtalk's end waits for a break).
    both_last: Option<u64>,
    raised_since: Option<u64>,
    agent_most_since: Option<u64>,
    active: [bool; 4],
    changes: VecDeque<Change>,
}

impl CallAudio {
    /// A call whose analysis starts at `now` (ms).
    pub fn new(thresholds: Thresholds, now: u64) -> Self {
        Self {
            thresholds,
            sides: Default::default(),
            customer_loudness: Loudness::default(),
            held: false,
            quiet_since: Some(now),
            both_since: None,
            both_last: None,
            raised_since: None,
            agent_most_since: None,
            active: [false; 4],
            changes: VecDeque::new(),
        }
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }

    /// One 20 ms frame of `party`'s audio (samples in -1.0 ..= 1.0), taken at `at`.
    pub fn frame(&mut self, party: Party, at: u64, samples: &[f32]) {
        let level = level_db(samples);
        let side = &mut self.sides[party as usize];
        side.heard_at = Some(at);
        if side.vad.frame(level) {
            side.talked_ms += FRAME_MS;
        }
        if party == Party::Customer && side.vad.speaking_now() {
            self.customer_loudness.speech(level);
        }
        self.update(at);
    }

    /// The call's time moves on without a frame (call it every frame or so).
    pub fn tick(&mut self, now: u64) {
        for side in &mut self.sides {
            if side.heard_at.is_none_or(|at| now.saturating_sub(at) > QUIET_AFTER_MS) {
                side.vad.silent();
            }
        }
        self.update(now);
    }

    /// On hold nobody is expected to talk: no dead air then.
    pub fn set_held(&mut self, held: bool, now: u64) {
        self.held = held;
        self.quiet_since = None;
        self.update(now);
    }

    pub fn poll_change(&mut self) -> Option<Change> {
        self.changes.pop_front()
    }

    /// The signals on now.
    pub fn active(&self) -> impl Iterator<Item = Signal> + '_ {
        [Signal::DeadAir, Signal::Overtalk, Signal::RaisedVoice, Signal::AgentTalksMost].into_iter().filter(|&s| self.active[s as usize])
    }

    pub fn talking(&self, party: Party) -> bool {
        self.sides[party as usize].vad.talking()
    }

    /// The agent's share of the talking so far (0.0 ..= 1.0), once anyone talked.
    pub fn agent_talk_share(&self) -> Option<f32> {
        let [customer, agent] = [&self.sides[0], &self.sides[1]].map(|s| s.talked_ms as f32);
        (customer + agent > 0.0).then(|| agent / (customer + agent))
    }

    fn update(&mut self, now: u64) {
        let (customer, agent) = (self.talking(Party::Customer), self.talking(Party::Agent));
        let lasted = |since: Option<u64>, needed: u64| since.filter(|&since| now.saturating_sub(since) >= needed);

        // Dead air: both quiet, not on hold.
        if customer || agent || self.held {
            self.quiet_since = None;
        } else {
            self.quiet_since.get_or_insert(now);
        }
        self.set(Signal::DeadAir, lasted(self.quiet_since, self.thresholds.dead_air_ms), now);

        // Overtalk: both at once, long enough; it lasts until a real break.
        if customer && agent {
            self.both_since.get_or_insert(now);
            self.both_last = Some(now);
        } else if self.both_last.is_none_or(|last| now.saturating_sub(last) >= OVERTALK_BREAK_MS) {
            self.both_since = None;
        }
        let needed = if self.active[Signal::Overtalk as usize] { 0 } else { self.thresholds.overtalk_ms };
        self.set(Signal::Overtalk, lasted(self.both_since, needed), now);

        // A raised voice: the customer's recent speech well above their own
        // earlier speech, for a second or more; it ends a little lower.
        let was = self.active[Signal::RaisedVoice as usize];
        let threshold = self.thresholds.raised_voice_db - if was { RAISED_HYSTERESIS_DB } else { 0.0 };
        if self.customer_loudness.rise_db().is_some_and(|rise| rise >= threshold) {
            self.raised_since.get_or_insert(now);
        } else {
            self.raised_since = None;
        }
        let needed = if was { 0 } else { RAISED_FOR_MS };
        self.set(Signal::RaisedVoice, lasted(self.raised_since, needed), now);

        // The talk ratio: the agent's share of all the talking so far.
        let was = self.active[Signal::AgentTalksMost as usize];
        let threshold = self.thresholds.agent_talk_share - if was { TALK_RATIO_HYSTERESIS } else { 0.0 };
        let talked: u64 = self.sides.iter().map(|side| side.talked_ms).sum();
        if talked >= TALK_RATIO_AFTER_MS && self.agent_talk_share().is_some_and(|share| share >= threshold) {
            self.agent_most_since.get_or_insert(now);
        } else {
            self.agent_most_since = None;
        }
        self.set(Signal::AgentTalksMost, self.agent_most_since, now);
    }

    /// `since`: when the signal's condition began, if it holds now.
    fn set(&mut self, signal: Signal, since: Option<u64>, now: u64) {
        let active = &mut self.active[signal as usize];
        if *active != since.is_some() {
            *active = since.is_some();
            self.changes.push_back(match since {
                Some(at) => Change::Started { signal, at },
                None => Change::Ended { signal, at: now },
            });
        }
    }
}
